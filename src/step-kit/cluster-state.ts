/** Reads a node's real cluster state; shared by the steps that must not trust pvecm's exit codes. */
import type { ClusterConfig } from '../config/schema';
import { parsePvecmStatus, type PvecmStatus } from '../parsers/pvecm-status';
import type { HostCommand } from './commands';
import type { StepContext } from './descriptor';

/** Parsed `pvecm status`, or null when the node is in no cluster (pvecm prints an error, docs/proxmox-contract.md). */
export async function readClusterStatus(ctx: StepContext, status: HostCommand): Promise<PvecmStatus | null> {
  const result = await ctx.run(status);
  if (!result.stdout.includes('Quorum information')) return null;
  return parsePvecmStatus(result.stdout);
}

/** A waitFor probe: the parsed status once it satisfies wanted, else undefined (keep waiting). */
export async function statusWhere(ctx: StepContext, status: HostCommand, wanted: (s: PvecmStatus) => boolean): Promise<PvecmStatus | undefined> {
  const s = await readClusterStatus(ctx, status);
  return s && wanted(s) ? s : undefined;
}

export function summarize(status: PvecmStatus | null): string {
  if (!status) return 'not in a cluster';
  return `${status.cluster?.name ?? '?'}: ${status.quorate ? 'quorate' : 'NOT quorate'}, votes ${status.totalVotes}/${status.expectedVotes}, flags ${status.flags.join(' ') || '-'}`;
}

/** The guide's acceptance check after `pvecm qdevice setup` (docs/guide.md, step qdevice). */
export function hasHealthyQdevice(status: PvecmStatus | null): boolean {
  return (
    status !== null &&
    status.quorate &&
    status.expectedVotes === 3 &&
    status.totalVotes === 3 &&
    status.flags.includes('Quorate') &&
    status.flags.includes('Qdevice') &&
    status.qdevice !== null &&
    status.members.length === 2 &&
    status.members.every((m) => m.qdeviceFlags?.startsWith('A,V,') === true)
  );
}

// What each flag of a member says, in the words of the fix. pvecm.adoc "QDevice Status Flags" names them; what sets
// them was observed on the real corosync/corosync-qdevice (docs/proxmox-contract.md): NA when the node's qdevice
// daemon stops polling corosync (killed, hung), A,NV when the daemon runs but qnetd gives no vote (down, unreachable).
const FLAG_MEANING: Record<string, string> = {
  NR: 'corosync-qdevice is not registered there (not running, or unable to start: its certificate store /etc/corosync/qdevice/net/nssdb missing or wrong, as on a reinstalled node that rejoined, which only a remove and setup of the QDevice mends)',
  NA: 'its corosync-qdevice daemon is not alive (killed or hung: systemctl restart corosync-qdevice there)',
  NV: 'corosync-qnetd gives it no vote (qnetd down or unreachable on 5403/tcp, or it refused the node)',
};

/** cluster.yaml's name for a membership row (rows print the ring address, or the name), or the row's own text. */
export function memberNodeName(config: ClusterConfig, member: string): string {
  return config.nodes.find((n) => n.ip === member || n.name === member)?.name ?? member;
}

/**
 * Why the QDevice's third vote is not healthy, one clause each, naming the node (members print their ring address,
 * so addresses are matched to cluster.yaml's names) and the Proxmox fact behind it; empty when hasHealthyQdevice.
 */
/** The nodes of cluster.yaml that are no member of the cluster as this status sees it (powered off, cut off, dead). */
export function missingNodes(config: ClusterConfig, status: PvecmStatus): string[] {
  return config.nodes.filter((n) => !status.members.some((m) => memberNodeName(config, m.name) === n.name)).map((n) => n.name);
}

export function qdeviceProblems(config: ClusterConfig, status: PvecmStatus | null): string[] {
  if (!status) return [`${config.nodes[0].name} is in no cluster`];
  const problems: string[] = [];
  if (!status.quorate) problems.push('the cluster is not quorate');
  const nodeName = (member: string) => memberNodeName(config, member);
  // With a QDevice in corosync's configuration, expected votes below 3 can only be an override. Without one, 2 (or 1
  // before the join) is the plain count of a cluster whose QDevice is missing, which the next clause names (a
  // half-joined cluster's qdevice failure was once reported as an override).
  const qdeviceConfigured = status.qdevice !== null || status.flags.includes('Qdevice');
  if (qdeviceConfigured && status.expectedVotes < 3)
    problems.push(
      `Expected votes is ${status.expectedVotes}, not 3: a \`pvecm expected\` override is in place (corosync drops it once every node is back; until then a cut-off node may count itself quorate)`,
    );
  if (status.qdevice === null || !status.flags.includes('Qdevice'))
    problems.push('no QDevice is registered in corosync (pvecm qdevice setup has not run, or was removed)');
  for (const member of status.members) {
    const flags = member.qdeviceFlags;
    if (flags === null || flags.startsWith('A,V,')) continue;
    const meaning = flags === 'NR' ? FLAG_MEANING.NR : flags.startsWith('NA') ? FLAG_MEANING.NA : FLAG_MEANING.NV;
    problems.push(`${nodeName(member.name)} shows ${flags}: ${meaning}`);
  }
  const missing = missingNodes(config, status);
  if (missing.length > 0) problems.push(`${missing.join(' and ')} not in the membership`);
  if (status.totalVotes < 3) problems.push(`only ${status.totalVotes} of 3 votes`);
  return problems;
}

/** "<cluster summary>: <each problem>", for a failure message about the third vote. */
export function describeQdeviceHealth(config: ClusterConfig, status: PvecmStatus | null): string {
  const problems = qdeviceProblems(config, status);
  return `${summarize(status)}${problems.length ? `: ${problems.join('; ')}` : ''}`;
}
