/** Step 2, time: NTP on all three hosts (chrony on PVE nodes, systemd-timesyncd on the Debian VM) and a bounded skew between them. */
import type { ClusterConfig, HostConfig } from '../src/config/schema';
import { parseTimedatectlShow } from '../src/parsers/timedatectl';
import { allHosts, on, replaceFile, type CommandSet } from '../src/steps/commands';
import { runStep, type StepContext } from '../src/steps/context';
import { postconditionFailed } from '../src/steps/failures';
import { alreadyDone, done, type StepResult } from '../src/steps/result';

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

/** Makes one host's NTP client run; returns whether anything changed. */
async function ensureNtpClient(ctx: StepContext, config: ClusterConfig, host: HostConfig): Promise<boolean> {
  const c = timeCommands(config, host);
  let changed = false;
  if ('installed' in c) {
    if (!(await ctx.run(c.installed)).stdout.includes('install ok installed')) {
      await ctx.run(c.install);
      changed = true;
    }
    const wanted = timesyncdConf(config.ntp.servers);
    const confHasServers = (await ctx.run(c.readConf)).stdout.split('\n').some((l) => l.trim() === `NTP=${config.ntp.servers.join(' ')}`);
    if (!confHasServers) {
      await ctx.run(c.writeConf, wanted);
      await ctx.run(c.restart);
      changed = true;
    }
  }
  if ((await ctx.run(c.serviceActive)).stdout.trim() !== 'active') {
    await ctx.run('start' in c ? c.start : c.restart);
    changed = true;
  }
  return changed;
}

/** Clock offset of each host against the worker, corrected by half the round trip. */
async function clockOffsets(ctx: StepContext, config: ClusterConfig): Promise<Record<string, number>> {
  const offsets: Record<string, number> = {};
  for (const host of allHosts(config)) {
    const sent = Date.now();
    const remote = Number((await ctx.output(timeCommands(config, host).clock)).trim());
    const received = Date.now();
    offsets[host.name] = remote - (sent + received) / 2;
  }
  return offsets;
}

export async function time(config: ClusterConfig): Promise<StepResult> {
  return runStep(config, 'time', async (ctx) => {
    const changed: string[] = [];
    for (const host of allHosts(config)) if (await ensureNtpClient(ctx, config, host)) changed.push(host.name);
    const unsynced = await ctx.waitFor('NTP synchronisation on all hosts', SYNC_TIMEOUT_MS, async () => {
      const pending: string[] = [];
      for (const host of allHosts(config))
        if (!parseTimedatectlShow(await ctx.output(timeCommands(config, host).status)).ntpSynchronized) pending.push(host.name);
      return pending.length === 0 ? [] : undefined;
    }, 5_000);
    if (unsynced === undefined) throw postconditionFailed(`NTP not synchronised within ${SYNC_TIMEOUT_MS / 1000} s on every host (timedatectl show: NTPSynchronized=no); check that ${config.ntp.servers.join(', ')} are reachable`);
    const offsets = await clockOffsets(ctx, config);
    const values = Object.values(offsets);
    const skewMs = Math.round(Math.max(...values) - Math.min(...values));
    const facts = { ntpSynchronized: true, skewMs, offsetsMs: Object.fromEntries(Object.entries(offsets).map(([k, v]) => [k, Math.round(v)])) };
    if (skewMs > config.ntp.max_skew_ms) throw postconditionFailed(`clock skew between hosts is ${skewMs} ms, above ntp.max_skew_ms ${config.ntp.max_skew_ms}`, facts);
    const summary = `NTP synchronised on all 3 hosts, skew ${skewMs} ms`;
    return changed.length === 0 ? alreadyDone(summary, facts) : done(`${summary} (configured on ${changed.join(', ')})`, facts);
  });
}
