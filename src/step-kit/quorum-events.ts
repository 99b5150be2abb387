/**
 * corosync's own change notifications, to wake a wait on votes or membership at once: `corosync-quorumtool -m`
 * prints the quorum state each time votequorum reports a change: a member joins or leaves, the vote total changes
 * (seen on the lab; a member's QDevice flags alone, NR for instance, are not reported).
 * The wait still decides by its probe (`pvecm status`); the watcher only says when to look again.
 */
import type { HostConfig } from '../config/schema';
import { on, type HostCommand } from './commands';

/** Longer than any wait that uses it; past it the wait goes on by its polls alone. */
const WATCH_LIMIT_S = 900;

/**
 * stdbuf -oL: into a pipe C stdio may hold a line back past the event unless the program flushes. The watcher reads
 * nothing from stdin but waits for its end: when the worker closes the channel (the wait is over, or the worker's
 * connection died), the shell stops the watcher; `timeout` ends it in any case.
 */
export function quorumEvents(node: HostConfig): HostCommand {
  return on(node, 'check', `timeout ${WATCH_LIMIT_S} stdbuf -oL corosync-quorumtool -m & w=$!; cat >/dev/null; kill $w 2>/dev/null`, {
    timeoutMs: (WATCH_LIMIT_S + 10) * 1000,
  });
}
