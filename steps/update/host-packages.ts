/**
 * What an update reads on one host: the packages `apt-get dist-upgrade` would change (after `apt-get update`), whether
 * dpkg was cut off half-way, the kernel it runs against the newest installed one (a PVE node boots the newest; Debian
 * kernels also leave /run/reboot-required), its boot id (a reboot changes it) and, on a node, the PVE version.
 */
import type { ClusterConfig } from '../../src/config/schema';
import { isKernelPackage, parseAptSimulation, type AptChange } from '../../src/parsers/apt-simulate';
import { hostByName, on, type CommandSet } from '../../src/step-kit/commands';
import type { StepContext } from '../../src/step-kit/descriptor';

/** apt waits this long for a lock another apt run holds (DPkg::Lock::Timeout) before it gives up. */
const LOCK_WAIT_S = 600;
const UPGRADE_TIMEOUT_MS = 45 * 60_000;

// Never `apt upgrade`: it installs no new package, so it misses a new kernel (Proxmox VE docs, "System Software
// Updates"). Kept config files stay as the owner changed them (confold); untouched ones follow the package (confdef).
const NONINTERACTIVE = 'DEBIAN_FRONTEND=noninteractive';
const CONF = '-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold';

export function hostPackageCommands(config: ClusterConfig, name: string) {
  const host = hostByName(config, name);
  return {
    // Refreshes apt's package lists: no package changes (the plan is read-only as far as the system goes).
    refresh: on(host, 'check', 'apt-get update -q', { timeoutMs: 300_000 }),
    simulate: on(host, 'check', 'apt-get -s dist-upgrade'),
    // Empty when dpkg finished every package it started; otherwise the half-configured ones (an apt run cut off).
    audit: on(host, 'check', 'dpkg --audit'),
    kernel: on(
      host,
      'check',
      'echo "running $(uname -r)"; ls -1 /boot/vmlinuz-* 2>/dev/null | sed \'s#.*/vmlinuz-#installed #\' | sort -V -k2 | tail -n 1; if [ -e /run/reboot-required ]; then echo reboot-required; fi',
    ),
    bootId: on(host, 'check', 'cat /proc/sys/kernel/random/boot_id'),
    pveversion: on(host, 'check', 'pveversion 2>/dev/null || true'),
    versions: on(host, 'verify', "dpkg-query -W -f='${Package} ${Version}\\n'"),
    // An apt run the worker lost (its SSH session gone) may still be working: wait for it before touching dpkg.
    waitIdle: on(
      host,
      'check',
      `for i in $(seq ${LOCK_WAIT_S}); do pgrep -x 'apt|apt-get|dpkg' >/dev/null || exit 0; sleep 1; done; pgrep -ax 'apt|apt-get|dpkg'; exit 1`,
      {
        timeoutMs: (LOCK_WAIT_S + 30) * 1000,
      },
    ),
    configure: on(host, 'act', `${NONINTERACTIVE} dpkg --force-confdef --force-confold --configure -a`, { timeoutMs: UPGRADE_TIMEOUT_MS }),
    upgrade: on(host, 'act', `${NONINTERACTIVE} apt-get -y -q -o DPkg::Lock::Timeout=${LOCK_WAIT_S} ${CONF} dist-upgrade`, {
      timeoutMs: UPGRADE_TIMEOUT_MS,
    }),
    reboot: on(host, 'act', 'systemctl reboot'),
  } satisfies CommandSet;
}

export interface KernelState {
  running: string;
  /** The newest kernel in /boot (what the next boot runs), or null when /boot lists none. */
  newest: string | null;
  /** Debian's flag file, left by a package that needs a reboot. */
  flagged: boolean;
}

export function parseKernelState(text: string): KernelState {
  const running = /^running (\S+)/m.exec(text)?.[1] ?? '';
  const newest = /^installed (\S+)/m.exec(text)?.[1] ?? null;
  return { running, newest, flagged: /^reboot-required$/m.test(text) };
}

/** A reboot is pending now: a newer kernel installed than the one running, or Debian's flag. */
export function rebootPending(k: KernelState): boolean {
  return k.flagged || (k.newest !== null && k.newest !== k.running);
}

export interface HostPackages extends Record<string, unknown> {
  host: string;
  changes: AptChange[];
  removals: string[];
  /** dpkg --audit's words when an earlier run was cut off half-way; null when dpkg is clean. */
  interrupted: string | null;
  kernel: KernelState;
  /** After the upgrade a reboot will be needed: one is pending already, or it installs a kernel. */
  rebootNeeded: boolean;
  bootId: string;
  /** `pveversion` on a node ("pve-manager/9.2.11/..."), null on the VM. */
  pveVersion: string | null;
}

/** Reads one host's update state; `refresh` first runs `apt-get update` (the plan), verify reads what is there. */
export async function readHostPackages(ctx: StepContext, config: ClusterConfig, name: string, refresh: boolean): Promise<HostPackages> {
  const c = hostPackageCommands(config, name);
  if (refresh) await ctx.output(c.refresh);
  const isNode = config.nodes.some((n) => n.name === name);
  const [simulated, audit, kernelText, bootId, pve] = await Promise.all([
    ctx.output(c.simulate),
    ctx.run(c.audit),
    ctx.output(c.kernel),
    ctx.output(c.bootId),
    isNode ? ctx.output(c.pveversion) : Promise.resolve(''),
  ]);
  const { changes, removals } = parseAptSimulation(simulated);
  const kernel = parseKernelState(kernelText);
  const auditText = `${audit.stdout}${audit.stderr}`.trim();
  return {
    host: name,
    changes,
    removals,
    interrupted: auditText ? auditText : null,
    kernel,
    rebootNeeded: rebootPending(kernel) || changes.some((ch) => isKernelPackage(ch.package)),
    bootId: bootId.trim(),
    pveVersion: pve.trim().split('\n')[0] || null,
  };
}

/** "3 packages (lab-base-files 1.1 -> 1.2, proxmox-kernel-6.8.12-2-pve new 6.8.12-2, ...); reboot needed". */
export function describeHostPackages(p: HostPackages): string {
  const list = p.changes.map((ch) => `${ch.package} ${ch.from ? `${ch.from} -> ${ch.to}` : `new ${ch.to}`}`);
  const what = p.changes.length === 0 ? 'no package to change' : `${p.changes.length} package${p.changes.length === 1 ? '' : 's'} (${list.join(', ')})`;
  const removed = p.removals.length ? `; removes ${p.removals.join(', ')}` : '';
  const reboot = p.rebootNeeded
    ? `; reboot needed (runs ${p.kernel.running}${p.kernel.newest && p.kernel.newest !== p.kernel.running ? `, ${p.kernel.newest} installed` : ''})`
    : '';
  const cut = p.interrupted ? '; dpkg was interrupted: dpkg --configure -a first' : '';
  return `${p.host}: ${what}${removed}${reboot}${cut}${p.pveVersion ? `; ${p.pveVersion}` : ''}`;
}
