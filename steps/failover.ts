/**
 * Step 10, failover test: take the node hosting an HA guest down hard (a clean shutdown is not a failure for HA,
 * docs/proxmox-contract.md), watch the survivor keep quorum with 2 of 3 votes and start the guest, then bring the node back.
 * Powering a node off and waiting while it is down belong to the workflow, so this step runs in stages (prepare,
 * observe, restore), each its own activity; check and verify serve the read-only pass.
 */
import type { ClusterConfig } from '../src/config/schema';
import { durationMs } from '../src/duration';
import { parseHaManagerStatus } from '../src/parsers/ha-manager-status';
import type { PvecmStatus } from '../src/parsers/pvecm-status';
import { sh } from '../src/ssh/quote';
import { describeQdeviceHealth, hasHealthyQdevice, readClusterStatus, statusWhere, summarize } from '../src/step-kit/cluster-state';
import { hostByName, on, template, type CommandSet } from '../src/step-kit/commands';
import { quorumEvents } from '../src/step-kit/quorum-events';
import { failoverPhase, FAILOVER_PHASE_WORDS, haSettled, serviceInError, type FailoverPhase } from '../src/step-kit/ha-states';
import { defineStep, type StepContext } from '../src/step-kit/descriptor';
import { postconditionFailed, preconditionFailed } from '../src/step-kit/failures';
import type { StageBody } from '../src/step-kit/result';
import { failoverPlan } from '../src/plan/guide';

export interface FailoverTarget {
  victim: string;
  survivor: string;
  sid: string;
}

/** A passed test, as recorded on the cluster. */
export interface FailoverRecord {
  testedAt: string;
  recoveryMs: number;
  /** The passed tests so far, oldest first, the last ones kept (the guide's and each drill's): recovery over months. */
  history?: { testedAt: string; recoveryMs: number; victim: string }[];
}

/** How many passed tests the record keeps (a monthly drill: two years). */
const HISTORY_KEPT = 24;

/** A passed test is recorded on the cluster's own file system, so a re-run verifies instead of pulling the plug again. */
export const FAILOVER_RECORD = '/etc/pve/pve-twonode/failover-test.json';

export function failoverCommands(config: ClusterConfig, node: string) {
  const host = hostByName(config, node);
  return {
    status: on(host, 'verify', 'pvecm status'),
    quorumEvents: quorumEvents(host),
    haStatus: on(host, 'verify', 'ha-manager status'),
    readRecord: on(host, 'check', sh`cat ${FAILOVER_RECORD} 2>/dev/null`),
    // When the guest started there, by the host's clock: qemu-server writes the VM's PID file as it starts it.
    guestStartedAt: template('<vmid>', (vmid) => on(host, 'verify', sh`stat -c %.3Y /var/run/qemu-server/${vmid}.pid`)),
    writeRecord: on(host, 'act', sh`mkdir -p ${FAILOVER_RECORD.replace(/\/[^/]*$/, '')} && cat > ${FAILOVER_RECORD}`, { stdin: 'the test result (JSON)' }),
  } satisfies CommandSet;
}

async function readRecord(ctx: StepContext, config: ClusterConfig): Promise<FailoverRecord | null> {
  const text = (await ctx.run(failoverCommands(config, config.nodes[0].name).readRecord)).stdout.trim();
  return text ? (JSON.parse(text) as FailoverRecord) : null;
}

const describeRecord = (r: FailoverRecord) => `failover test passed on ${r.testedAt} (recovery ${(r.recoveryMs / 1000).toFixed(1)} s)`;

const power = (p: ClusterConfig['failover']['power_off']) =>
  'command' in p ? `run on the worker: ${p.command.join(' ')}` : 'a person confirms with pve-twonode approve';

export interface FailoverFacts extends Record<string, unknown> {
  record: FailoverRecord;
  pvecmStatus: PvecmStatus;
}

export const failover = defineStep({
  ...failoverPlan,
  acts: "powers the guest's node off hard, keeps it off `down_for`, powers it on",
  verifiedBy: 'survivor quorate with 2 of 3 votes, guest started there (recovery time measured), 3 of 3 after',
  health: 'none',
  commands: (config) => (config.failover.enabled ? config.nodes.map((n) => failoverCommands(config, n.name)) : []),
  planNote: (config) =>
    config.failover.enabled
      ? `power off: ${power(config.failover.power_off)}; keep off ${config.failover.down_for}; power on: ${power(config.failover.power_on)}`
      : 'skipped: failover.enabled is false',
  async check(ctx, config) {
    const record = await readRecord(ctx, config);
    return { done: record !== null, state: record };
  },
  async verify(ctx, config, { state: record }) {
    const status = await readClusterStatus(ctx, failoverCommands(config, config.nodes[0].name).status);
    if (!hasHealthyQdevice(status)) throw postconditionFailed(`the cluster is not back to 3 of 3 votes: ${describeQdeviceHealth(config, status)}`);
    if (!record || !status) throw postconditionFailed(`no failover test recorded (${FAILOVER_RECORD})`);
    return { summary: `${describeRecord(record)}; cluster healthy: ${summarize(status)}`, facts: { record, pvecmStatus: status } };
  },
});

export interface PrepareFacts extends Record<string, unknown> {
  /** The node to power off and the guest to watch; null when a recorded test makes the run skip it. */
  target: FailoverTarget | null;
  previous: FailoverRecord | null;
  before: string;
}

/**
 * Checks the cluster is healthy and picks the node to power off: the configured one or the one hosting the first HA
 * guest. A passed test on record makes the guide skip it; a drill (again) tests anyway.
 */
export async function prepareFailover(ctx: StepContext, config: ClusterConfig, again = false): Promise<StageBody<PrepareFacts>> {
  const c = failoverCommands(config, config.nodes[0].name);
  const status = await readClusterStatus(ctx, c.status);
  if (!hasHealthyQdevice(status)) throw preconditionFailed(`failover test needs a healthy cluster with 3 of 3 votes; it shows ${summarize(status)}`);
  const previous = await readRecord(ctx, config);
  if (previous && !again)
    return {
      outcome: 'skipped-already-done',
      message: `${describeRecord(previous)}; cluster healthy now: ${summarize(status)}. Delete ${FAILOVER_RECORD} to run it again`,
      facts: { target: null, previous, before: summarize(status) },
    };
  const sid = config.ha.resources[0].sid;
  const service = parseHaManagerStatus((await ctx.run(c.haStatus)).stdout).services.find((s) => s.sid === sid);
  if (!service || service.state !== 'started')
    throw preconditionFailed(`HA service ${sid} is not started (${service?.state ?? 'not listed'}); nothing to fail over`);
  const victim = config.failover.node === 'auto' ? service.node : config.failover.node;
  const survivor = config.nodes.map((n) => n.name).find((n) => n !== victim);
  if (!survivor) throw preconditionFailed(`${victim} is not one of the two nodes`);
  return {
    outcome: 'done',
    message: `will power off ${victim} (hosts ${sid}) and watch ${survivor}`,
    facts: { target: { victim, survivor, sid }, previous, before: summarize(status) },
  };
}

export interface ObserveFacts extends Record<string, unknown> {
  survivorStatus: PvecmStatus;
  /** Power-off to the guest started on the survivor. */
  recoveryMs: number;
  /** host: the guest's start time by the survivor's clock (its PID file); worker: when the worker first saw it started. */
  recoveryMeasuredOn?: 'host' | 'worker';
  /** Each phase of the real HA failover, ms after the power-off it was first seen. */
  phasesMs?: Partial<Record<FailoverPhase, number>>;
}

/** When a VM guest started on the node, in ms by the node's clock; null for a container or when the node cannot say. */
async function guestStartedAt(ctx: StepContext, config: ClusterConfig, target: FailoverTarget): Promise<number | null> {
  const [kind, vmid] = target.sid.split(':');
  if (kind !== 'vm') return null;
  const result = await ctx.run(failoverCommands(config, target.survivor).guestStartedAt(vmid)).catch(() => null);
  const seconds = Number(result?.code === 0 ? result.stdout.trim() : NaN);
  return Number.isFinite(seconds) ? Math.round(seconds * 1000) : null;
}

/** The phases seen, in order, with the seconds after the power-off each was first seen at. */
export function describePhases(phases: Partial<Record<FailoverPhase, number>>): string {
  const seen = (Object.keys(FAILOVER_PHASE_WORDS) as FailoverPhase[]).filter((p) => phases[p] !== undefined);
  return `HA phases seen: ${seen.map((p) => `${FAILOVER_PHASE_WORDS[p]} +${Math.round(phases[p]! / 1000)} s`).join(', ') || 'none'}`;
}

/** From power-off, waits for the survivor to run the guest; quorum must hold on the survivor throughout. */
export async function observeFailover(ctx: StepContext, config: ClusterConfig, target: FailoverTarget, powerOffAt: number): Promise<StageBody<ObserveFacts>> {
  const c = failoverCommands(config, target.survivor);
  const watch: { lostQuorum: string | null } = { lostQuorum: null };
  // The real state machine's phases, each as first seen after the power-off: what the owner watches while waiting.
  const phases: Partial<Record<FailoverPhase, number>> = {};
  let phase: FailoverPhase | null = null;
  const recovered = await ctx.waitFor(
    `${target.sid} started on ${target.survivor}`,
    durationMs(config.failover.recovery_timeout),
    async () => {
      const status = await readClusterStatus(ctx, c.status);
      if (!status?.quorate) watch.lostQuorum = summarize(status);
      const ha = parseHaManagerStatus((await ctx.run(c.haStatus)).stdout);
      const service = ha.services.find((s) => s.sid === target.sid);
      if (service?.state === 'error') throw postconditionFailed(serviceInError(service), { haStatus: ha });
      phase = failoverPhase(ha, target.victim, target.survivor, target.sid) ?? phase;
      if (phase && phases[phase] === undefined) phases[phase] = Date.now() - powerOffAt;
      return status?.quorate && status.totalVotes === 2 && service?.node === target.survivor && service.state === 'started' ? status : undefined;
    },
    { seen: () => (phase ? `HA: ${FAILOVER_PHASE_WORDS[phase]}` : undefined) },
  );
  if (watch.lostQuorum) throw postconditionFailed(`${target.survivor} lost quorum while ${target.victim} was down: ${watch.lostQuorum}`);
  if (!recovered)
    throw postconditionFailed(
      `${target.sid} did not start on ${target.survivor} within ${config.failover.recovery_timeout} (is its storage shared or replicated?)`,
    );
  const seenAt = Date.now();
  const startedAt = await guestStartedAt(ctx, config, target);
  // The host's own start time, so the poll interval does not add to it; a time outside the window (clocks apart) is not used.
  const onHost = startedAt !== null && startedAt > powerOffAt && startedAt <= seenAt + 1_000;
  const recoveryMs = (onHost ? startedAt : seenAt) - powerOffAt;
  const source = onHost ? `${target.survivor}'s clock` : 'first seen by the worker';
  return {
    outcome: 'done',
    message: `${target.survivor} stayed quorate with 2 of 3 votes and started ${target.sid} ${(recoveryMs / 1000).toFixed(1)} s after ${target.victim} lost power (${source}); ${describePhases(phases)}`,
    facts: { survivorStatus: recovered, recoveryMs, recoveryMeasuredOn: onHost ? 'host' : 'worker', phasesMs: phases },
  };
}

/** After power-on, waits for 3 of 3 votes again, then records the passed test on the cluster. */
export async function restoreAfterFailover(
  ctx: StepContext,
  config: ClusterConfig,
  target: FailoverTarget,
  recoveryMs: number,
): Promise<StageBody<{ restoredStatus: PvecmStatus }>> {
  const c = failoverCommands(config, target.survivor);
  const status = await ctx.waitFor(
    `${target.victim} back with 3 of 3 votes`,
    durationMs(config.failover.recovery_timeout),
    () => statusWhere(ctx, c.status, hasHealthyQdevice),
    { wakeOn: c.quorumEvents },
  );
  if (!status) throw postconditionFailed(`${target.victim} did not come back: ${summarize(await readClusterStatus(ctx, c.status))}`);
  // The HA stack settles before the test ends: the returning node's LRM takes its lock again and, when a rule prefers
  // it, the guest migrates back. Until then a health check would see a guest on its way, not a finished test.
  const settled = await ctx.waitFor(`HA settled after ${target.victim}'s return`, durationMs(config.failover.recovery_timeout), async () => {
    const ha = parseHaManagerStatus((await ctx.run(c.haStatus)).stdout);
    return haSettled(config, ha) ? ha : undefined;
  });
  if (!settled)
    throw postconditionFailed(
      `${target.victim} is back but HA did not settle within ${config.failover.recovery_timeout}: ${(await ctx.run(c.haStatus)).stdout.trim()}`,
    );
  const guestNow = settled.services.find((s) => s.sid === target.sid)?.node ?? '?';
  const testedAt = new Date().toISOString();
  const previous = await readRecord(ctx, config);
  // A retried attempt (the write landed, the answer did not) must not count the same test twice.
  const last = previous?.history?.at(-1);
  const same = last?.recoveryMs === recoveryMs && last.victim === target.victim;
  const history = [...(previous?.history ?? []).slice(0, same ? -1 : undefined), { testedAt, recoveryMs, victim: target.victim }].slice(-HISTORY_KEPT);
  const record: FailoverRecord & FailoverTarget = { testedAt, ...target, recoveryMs, history };
  await ctx.output(c.writeRecord, JSON.stringify(record));
  return {
    outcome: 'done',
    message: `${target.victim} is back: ${summarize(status)}; HA settled, ${target.sid} on ${guestNow}`,
    facts: { restoredStatus: status },
  };
}
