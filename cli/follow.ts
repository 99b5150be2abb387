/** `watch` and `start --follow`: live progress until the run ends, optionally approving each gate as it comes. */
import { setTimeout as delay } from 'node:timers/promises';
import type { GuideHandle } from './start';
import { approveUpdate } from '../workflows/messages';
import type { RunProgress } from '../workflows/progress';
import { readRun } from './read-run';
import { changedLines, renderTable, type Heartbeat } from './view';

const TERMINAL = new Set(['completed', 'failed', 'rejected', 'cancelled']);

export interface FollowOptions {
  autoApprove?: boolean;
  intervalMs?: number;
  /** A gate only a person can answer (replace-node's reinstall, with a host key): following ends there, the run waits. */
  stopAt?: (gate: string) => boolean;
}

export async function follow(handle: GuideHandle, options: FollowOptions = {}): Promise<RunProgress> {
  const tty = process.stdout.isTTY === true;
  let previous: RunProgress | null = null;
  let previousHeartbeat: Heartbeat | undefined;
  const approved = new Set<string>();
  for (;;) {
    const { progress, status, heartbeat } = await readRun(handle);
    const running = status === 'RUNNING';
    if (tty) process.stdout.write(`\x1b[H\x1b[2J${renderTable(progress, heartbeat)}\n`);
    else for (const line of changedLines(previous, progress, heartbeat, previousHeartbeat)) console.log(line);
    previous = progress;
    previousHeartbeat = heartbeat;
    const gate = progress.awaiting?.gate;
    if (gate && options.stopAt?.(gate)) return progress;
    if (options.autoApprove && gate && !approved.has(gate)) {
      approved.add(gate);
      await handle.executeUpdate(approveUpdate, { args: [{ gate }] });
      console.log(`auto-approved: ${gate}`);
    }
    // Not running any more: failed or terminated before the progress caught up.
    if (TERMINAL.has(progress.state) || !running) return progress;
    await delay(options.intervalMs ?? 1_000);
  }
}
