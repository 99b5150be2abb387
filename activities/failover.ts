/**
 * Step 10, failover test: take the node hosting an HA guest down hard (a clean shutdown is not a failure for HA,
 * proxmox.md §4.11), watch the survivor keep quorum with 2 of 3 votes and start the guest, then bring the node back.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ClusterConfig } from '../src/config/schema';
import { parseHaManagerStatus } from '../src/parsers/ha-manager-status';
import { sh } from '../src/ssh/quote';
import { hostByName, on, type CommandSet } from '../src/steps/commands';
import { hasHealthyQdevice, readClusterStatus, summarize } from '../src/steps/cluster-state';
import { runStep } from '../src/steps/context';
import { durationMs } from '../src/duration';
import { postconditionFailed, preconditionFailed } from '../src/steps/failures';
import { alreadyDone, done, type StepResult } from '../src/steps/result';

export interface FailoverTarget {
  victim: string;
  survivor: string;
  sid: string;
}

/** A passed test is recorded on the cluster's own file system, so a re-run verifies instead of pulling the plug again. */
export const FAILOVER_RECORD = '/etc/pve/pve-twonode/failover-test.json';

export function failoverCommands(config: ClusterConfig, node: string) {
  const host = hostByName(config, node);
  return {
    status: on(host, 'verify', 'pvecm status'),
    haStatus: on(host, 'verify', 'ha-manager status'),
    readRecord: on(host, 'check', sh`cat ${FAILOVER_RECORD} 2>/dev/null`),
    writeRecord: on(host, 'act', sh`mkdir -p ${FAILOVER_RECORD.replace(/\/[^/]*$/, '')} && cat > ${FAILOVER_RECORD}`, { stdin: 'the test result (JSON)' }),
  } satisfies CommandSet;
}

/** Checks the cluster is healthy and picks the node to power off: the configured one or the one hosting the first HA guest. */
export async function failoverPrepare(config: ClusterConfig): Promise<StepResult & { target: FailoverTarget | null }> {
  let target: FailoverTarget | null = null;
  const result = await runStep(config, 'failover', async (ctx) => {
    const node1 = config.nodes[0].name;
    const c = failoverCommands(config, node1);
    const status = await readClusterStatus(ctx, c.status);
    if (!hasHealthyQdevice(status)) throw preconditionFailed(`failover test needs a healthy cluster with 3 of 3 votes; it shows ${summarize(status)}`);
    const record = (await ctx.run(c.readRecord)).stdout.trim();
    if (record) {
      const previous = JSON.parse(record) as { testedAt: string; recoveryMs: number };
      return alreadyDone(`failover test passed on ${previous.testedAt} (recovery ${(previous.recoveryMs / 1000).toFixed(1)} s); cluster healthy now: ${summarize(status)}. Delete ${FAILOVER_RECORD} to run it again`, { previous, recoveryMs: previous.recoveryMs });
    }
    const sid = config.ha.resources[0].sid;
    const service = parseHaManagerStatus((await ctx.run(c.haStatus)).stdout).services.find((s) => s.sid === sid);
    if (!service || service.state !== 'started') throw preconditionFailed(`HA service ${sid} is not started (${service?.state ?? 'not listed'}); nothing to fail over`);
    const victim = config.failover.node === 'auto' ? service.node : config.failover.node;
    const survivor = config.nodes.map((n) => n.name).find((n) => n !== victim);
    if (!survivor) throw preconditionFailed(`${victim} is not one of the two nodes`);
    target = { victim, survivor, sid };
    return done(`will power off ${victim} (hosts ${sid}) and watch ${survivor}`, { target, before: summarize(status) });
  });
  return { ...result, target };
}

/** Runs the configured power command on the worker ({node} becomes the node's name); argv only, no shell. */
export async function failoverPower(config: ClusterConfig, action: 'off' | 'on', node: string): Promise<{ at: number; output: string }> {
  const power = action === 'off' ? config.failover.power_off : config.failover.power_on;
  if (!('command' in power)) throw preconditionFailed(`failover.power_${action} is manual; the workflow waits for a confirmation instead`);
  const [file, ...args] = power.command.map((a) => a.replaceAll('{node}', node));
  const at = Date.now();
  const { stdout, stderr } = await promisify(execFile)(file, args, { timeout: 120_000 });
  return { at, output: `${stdout}${stderr}`.trim().slice(-500) };
}

/** From power-off, waits for the survivor to run the guest; quorum must hold on the survivor throughout. */
export async function failoverObserve(config: ClusterConfig, target: FailoverTarget, powerOffAt: number): Promise<StepResult & { recoveryMs: number }> {
  let recoveryMs = -1;
  const result = await runStep(config, 'failover', async (ctx) => {
    const c = failoverCommands(config, target.survivor);
    const timeoutMs = durationMs(config.failover.recovery_timeout);
    const watch: { lostQuorum: string | null } = { lostQuorum: null };
    const recovered = await ctx.waitFor(`${target.sid} started on ${target.survivor}`, timeoutMs, async () => {
      const status = await readClusterStatus(ctx, c.status);
      if (!status?.quorate) watch.lostQuorum = summarize(status);
      const service = parseHaManagerStatus((await ctx.run(c.haStatus)).stdout).services.find((s) => s.sid === target.sid);
      return status?.quorate && status.totalVotes === 2 && service?.node === target.survivor && service.state === 'started' ? status : undefined;
    });
    if (watch.lostQuorum) throw postconditionFailed(`${target.survivor} lost quorum while ${target.victim} was down: ${watch.lostQuorum}`);
    if (!recovered) throw postconditionFailed(`${target.sid} did not start on ${target.survivor} within ${config.failover.recovery_timeout} (is its storage shared or replicated?)`);
    recoveryMs = Date.now() - powerOffAt;
    return done(`${target.survivor} stayed quorate with 2 of 3 votes and started ${target.sid} ${(recoveryMs / 1000).toFixed(1)} s after ${target.victim} lost power`, {
      survivorStatus: recovered,
      recoveryMs,
    });
  });
  return { ...result, recoveryMs };
}

/** After power-on, waits for 3 of 3 votes again, then records the passed test on the cluster. */
export async function failoverRestore(config: ClusterConfig, target: FailoverTarget, recoveryMs: number): Promise<StepResult> {
  return runStep(config, 'failover', async (ctx) => {
    const c = failoverCommands(config, target.survivor);
    const status = await ctx.waitFor(`${target.victim} back with 3 of 3 votes`, durationMs(config.failover.recovery_timeout), async () => {
      const s = await readClusterStatus(ctx, c.status);
      return hasHealthyQdevice(s) ? s : undefined;
    }, 2_000);
    if (!status) throw postconditionFailed(`${target.victim} did not come back: ${summarize(await readClusterStatus(ctx, c.status))}`);
    await ctx.output(c.writeRecord, JSON.stringify({ testedAt: new Date().toISOString(), ...target, recoveryMs }));
    return done(`${target.victim} is back: ${summarize(status)}`, { restoredStatus: status });
  });
}
