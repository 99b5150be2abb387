/** Renders run progress for a terminal: a redrawn table on a TTY, one line per change otherwise. */
import Table from 'cli-table3';
import type { RunProgress, StepProgress } from '../workflows/progress';

export interface Heartbeat {
  step?: string;
  host?: string;
  command?: string;
  waitingFor?: string;
  elapsedMs?: number;
  /** What the wait's last probe saw (the phase of a failover). */
  seen?: string;
  note?: string;
}

export function durationOf(s: StepProgress): string {
  if (!s.startedAt) return '';
  const end = s.endedAt ? Date.parse(s.endedAt) : Date.now();
  return `${((end - Date.parse(s.startedAt)) / 1000).toFixed(1)} s`;
}

export function describeHeartbeat(h: Heartbeat | undefined): string {
  if (!h) return '';
  const elapsed = h.elapsedMs !== undefined ? ` (${(h.elapsedMs / 1000).toFixed(0)} s)` : '';
  if (h.waitingFor) return `waiting for ${h.waitingFor}${elapsed}${h.seen ? `: ${h.seen}` : ''}`;
  if (h.command) return `${h.host}$ ${h.command}${elapsed}`;
  return h.note ?? '';
}

export function renderTable(p: RunProgress, heartbeat?: Heartbeat): string {
  const table = new Table({ head: ['step', 'state', 'hosts', 'attempts', 'duration', 'last message'], colWidths: [17, 22, 26, 10, 10, 70], wordWrap: true });
  for (const s of p.steps) {
    const live = s.state === 'running' ? describeHeartbeat(heartbeat) : '';
    table.push([s.step + (s.needsApproval ? ' *' : ''), s.state, s.hosts.join(', '), s.attempts || '', durationOf(s), live || s.message]);
  }
  const lines = [`cluster ${p.cluster}: ${p.state}${p.currentStep ? ` (step ${p.currentStep})` : ''}`, table.toString(), '* needs approval'];
  if (p.awaiting) lines.push(`\nWAITING FOR APPROVAL of "${p.awaiting.gate}" since ${p.awaiting.since}:\n  ${p.awaiting.instruction}`);
  if (p.failoverRecoveryMs !== null) lines.push(`failover recovery: ${(p.failoverRecoveryMs / 1000).toFixed(1)} s`);
  if (p.endedReason) lines.push(`ended: ${p.endedReason}`);
  return lines.join('\n');
}

/** One line per change of a step's state or message, or of the running activity's heartbeat, for logs and pipes. */
export function changedLines(previous: RunProgress | null, p: RunProgress, heartbeat?: Heartbeat, previousHeartbeat?: Heartbeat): string[] {
  const lines: string[] = [];
  for (const s of p.steps) {
    const before = previous?.steps.find((x) => x.step === s.step);
    if (before?.state !== s.state || before?.message !== s.message)
      lines.push(`[${new Date().toISOString()}] ${s.step}: ${s.state}${s.attempts ? ` (attempts ${s.attempts})` : ''}${s.message ? ` - ${s.message}` : ''}`);
  }
  const live = describeHeartbeat(heartbeat);
  if (live && live !== describeHeartbeat(previousHeartbeat)) lines.push(`[${new Date().toISOString()}]   ... ${live}`);
  if (p.awaiting && previous?.awaiting?.gate !== p.awaiting.gate) lines.push(`WAITING FOR APPROVAL of "${p.awaiting.gate}": ${p.awaiting.instruction}`);
  return lines;
}
