/** `watch` and `start --follow`: live progress until the run ends, optionally approving each gate as it comes. */
import { setTimeout as delay } from 'node:timers/promises';
import { defaultPayloadConverter } from '@temporalio/common';
import type { GuideHandle } from './start';
import { approveSignal, progressQuery } from '../workflows/messages';
import type { RunProgress } from '../workflows/progress';
import { changedLines, renderTable, type Heartbeat } from './view';

const TERMINAL = new Set(['completed', 'failed', 'rejected', 'cancelled']);

/** The run's status and its running activity's last heartbeat, from one describe call. */
async function describeRun(handle: GuideHandle): Promise<{ running: boolean; heartbeat?: Heartbeat }> {
  const { status, raw } = await handle.describe();
  const payload = raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.[0];
  return { running: status.name === 'RUNNING', heartbeat: payload ? defaultPayloadConverter.fromPayload<Heartbeat>(payload) : undefined };
}

export async function follow(handle: GuideHandle, options: { autoApprove?: boolean; intervalMs?: number } = {}): Promise<RunProgress> {
  const tty = process.stdout.isTTY === true;
  let previous: RunProgress | null = null;
  let previousHeartbeat: Heartbeat | undefined;
  const approved = new Set<string>();
  for (;;) {
    const progress = await handle.query(progressQuery);
    const { running, heartbeat } = await describeRun(handle);
    if (tty) process.stdout.write(`\x1b[H\x1b[2J${renderTable(progress, heartbeat)}\n`);
    else for (const line of changedLines(previous, progress, heartbeat, previousHeartbeat)) console.log(line);
    previous = progress;
    previousHeartbeat = heartbeat;
    const gate = progress.awaiting?.gate;
    if (options.autoApprove && gate && !approved.has(gate)) {
      approved.add(gate);
      await handle.signal(approveSignal, { step: gate });
      console.log(`auto-approved: ${gate}`);
    }
    // Not running any more: failed or terminated before the progress caught up.
    if (TERMINAL.has(progress.state) || !running) return progress;
    await delay(options.intervalMs ?? 1_000);
  }
}
