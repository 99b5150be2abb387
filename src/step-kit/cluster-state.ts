/** Reads a node's real cluster state; shared by the steps that must not trust pvecm's exit codes. */
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
