/** Step 2, time: NTP on all three hosts (chrony on PVE nodes, systemd-timesyncd on the Debian VM) and a bounded skew between them. */
import type { ClusterConfig, HostConfig } from '../src/config/schema';
import { parseTimedatectlShow } from '../src/parsers/timedatectl';
import { allHosts, on, replaceFile, type CommandSet } from '../src/step-kit/commands';
import { defineStep, type StepContext } from '../src/step-kit/descriptor';
import { postconditionFailed } from '../src/step-kit/failures';
import { timePlan } from '../src/plan/guide';

const SYNC_TIMEOUT_MS = 120_000;
const APT_TIMEOUT_MS = 600_000;

export function timeCommands(config: ClusterConfig, host: HostConfig) {
  const isVm = host.name === config.qdevice.name;
  const service = isVm ? 'systemd-timesyncd' : 'chrony';
  return {
    status: on(host, 'check', 'timedatectl show'),
    serviceActive: on(host, 'check', `systemctl is-active ${service}`),
    clock: on(host, 'check', 'date +%s%3N'),
    ...(isVm
      ? {
          installed: on(host, 'check', "dpkg-query -W -f='${Status}' systemd-timesyncd"),
          readConf: on(host, 'check', 'cat /etc/systemd/timesyncd.conf 2>/dev/null'),
          install: on(host, 'act', 'DEBIAN_FRONTEND=noninteractive apt-get install -y systemd-timesyncd', { timeoutMs: APT_TIMEOUT_MS }),
          writeConf: replaceFile(host, '/etc/systemd/timesyncd.conf'),
          restart: on(host, 'act', 'systemctl restart systemd-timesyncd'),
        }
      : { start: on(host, 'act', 'systemctl enable --now chrony') }),
  } satisfies CommandSet;
}

export function timesyncdConf(servers: string[]): string {
  return `# written by pve-twonode\n[Time]\nNTP=${servers.join(' ')}\n`;
}

export interface NtpNeeds {
  host: HostConfig;
  install: boolean;
  writeConf: boolean;
  start: boolean;
}

/** What one host's NTP client lacks (read-only). */
async function ntpNeeds(ctx: StepContext, config: ClusterConfig, host: HostConfig): Promise<NtpNeeds> {
  const c = timeCommands(config, host);
  // Three independent reads: side by side on the host's connection.
  const [installed, conf, active] = await Promise.all([
    'installed' in c ? ctx.run(c.installed) : null,
    'installed' in c ? ctx.run(c.readConf) : null,
    ctx.run(c.serviceActive),
  ]);
  return {
    host,
    install: installed !== null && !installed.stdout.includes('install ok installed'),
    writeConf: conf !== null && !conf.stdout.split('\n').some((l) => l.trim() === `NTP=${config.ntp.servers.join(' ')}`),
    start: active.stdout.trim() !== 'active',
  };
}

/** Makes one host's NTP client run as configured. */
async function ensureNtpClient(ctx: StepContext, config: ClusterConfig, needs: NtpNeeds): Promise<void> {
  const c = timeCommands(config, needs.host);
  if ('installed' in c) {
    if (needs.install) await ctx.run(c.install);
    if (needs.writeConf) {
      await ctx.run(c.writeConf, timesyncdConf(config.ntp.servers));
      await ctx.run(c.restart);
      return;
    }
  }
  if (needs.start) await ctx.run('start' in c ? c.start : c.restart);
}

const CLOCK_SAMPLES = 3;

interface ClockOffset {
  offsetMs: number;
  /** Half the round trip of the sample kept: the true offset lies within offsetMs +- this. */
  uncertaintyMs: number;
}

/**
 * Clock offset of each host against the worker, as NTP does it: a few samples, the one with the shortest round trip
 * kept, corrected by half of it. A host busy right after a boot (a drill's node coming back) answers slowly on one
 * side of the trip, and a single sample read that as skew.
 */
async function clockOffsets(ctx: StepContext, config: ClusterConfig): Promise<Record<string, ClockOffset>> {
  const offsets = await Promise.all(
    allHosts(config).map(async (host) => {
      let best: ClockOffset | null = null;
      for (let i = 0; i < CLOCK_SAMPLES; i++) {
        const sent = Date.now();
        const remote = Number((await ctx.output(timeCommands(config, host).clock)).trim());
        const received = Date.now();
        const sample = { offsetMs: remote - (sent + received) / 2, uncertaintyMs: (received - sent) / 2 };
        if (!best || sample.uncertaintyMs < best.uncertaintyMs) best = sample;
      }
      return [host.name, best!] as const;
    }),
  );
  return Object.fromEntries(offsets);
}

export interface TimeFacts extends Record<string, unknown> {
  ntpSynchronized: boolean;
  skewMs: number;
  offsetsMs: Record<string, number>;
}

export const time = defineStep({
  ...timePlan,
  acts: 'chrony on nodes; `systemd-timesyncd` + `NTP=` on the VM',
  verifiedBy: '`timedatectl show` NTPSynchronized=yes, skew below `ntp.max_skew_ms`',
  health: 'warning',
  commands: (config) => allHosts(config).map((h) => timeCommands(config, h)),
  async check(ctx, config) {
    const all = await Promise.all(allHosts(config).map((host) => ntpNeeds(ctx, config, host)));
    const needs = all.filter((n) => n.install || n.writeConf || n.start);
    return { done: needs.length === 0, state: needs };
  },
  async act(ctx, config, needs) {
    // Each host's NTP client is its own: configured side by side.
    await Promise.all(needs.map((n) => ensureNtpClient(ctx, config, n)));
    return { changes: [`configured on ${needs.map((n) => n.host.name).join(', ')}`] };
  },
  async verify(ctx, config) {
    const unsynced = await ctx.waitFor(
      'NTP synchronisation on all hosts',
      SYNC_TIMEOUT_MS,
      async () => {
        const statuses = await Promise.all(allHosts(config).map(async (host) => parseTimedatectlShow(await ctx.output(timeCommands(config, host).status))));
        return statuses.every((s) => s.ntpSynchronized) ? [] : undefined;
      },
      { intervalMs: 5_000 },
    );
    if (unsynced === undefined)
      throw postconditionFailed(
        `NTP not synchronised on every host (timedatectl show: NTPSynchronized=no); check that ${config.ntp.servers.join(', ')} are reachable`,
      );
    const measured = await clockOffsets(ctx, config);
    const offsets = Object.fromEntries(Object.entries(measured).map(([k, v]) => [k, v.offsetMs]));
    const values = Object.values(offsets);
    const skewMs = Math.round(Math.max(...values) - Math.min(...values));
    const facts: TimeFacts = { ntpSynchronized: true, skewMs, offsetsMs: Object.fromEntries(Object.entries(offsets).map(([k, v]) => [k, Math.round(v)])) };
    // Warned only when the skew exceeds the limit even at the edge of what the measurement can tell.
    const uncertainty = Math.max(...Object.values(measured).map((m) => m.uncertaintyMs)) * 2;
    if (skewMs - uncertainty > config.ntp.max_skew_ms) {
      // Name the host furthest from the middle of the three: with one clock off, that is the one to fix.
      const median = [...values].sort((a, b) => a - b)[1];
      const [worst, offset] = Object.entries(offsets).reduce((w, e) => (Math.abs(e[1] - median) > Math.abs(w[1] - median) ? e : w));
      const off = `${worst} ${offset > median ? 'ahead of' : 'behind'} the others by ${Math.round(Math.abs(offset - median))} ms`;
      throw postconditionFailed(
        `clock skew between hosts is ${skewMs} ms, above ntp.max_skew_ms ${config.ntp.max_skew_ms} (${off}; check its NTP source: timedatectl timesync-status, chronyc sources)`,
        facts,
      );
    }
    return { summary: `NTP synchronised on all 3 hosts, skew ${skewMs} ms`, facts };
  },
});
