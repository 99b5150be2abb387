/** A host command run as an event source for a wait: each chunk of its output wakes the waiter once. */
import type { RunOptions, CommandResult } from '../../src/ssh/session';
import type { HostCommand } from '../../src/step-kit/commands';

type Run = (host: string, command: string, options: RunOptions) => Promise<CommandResult>;

export class HostEvents {
  private pending = false;
  private waiter: { promise: Promise<void>; resolve: () => void } | undefined;
  private readonly stopped = new AbortController();

  /** Starts the watcher; if it cannot run or ends early, the wait goes on by its fallback polls. */
  constructor(run: Run, command: HostCommand) {
    run(command.host, command.command, {
      signal: this.stopped.signal,
      timeoutMs: command.timeoutMs,
      holdStdin: true,
      onStdout: () => this.fire(),
    }).catch(() => undefined);
  }

  private fire(): void {
    this.pending = true;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve();
  }

  /** Called before a probe: what happened until now, the probe sees. */
  clear(): void {
    this.pending = false;
  }

  /** Resolves at the next output, or at once if there was output since the last clear (during the probe). */
  next(): Promise<void> {
    if (this.pending) return Promise.resolve();
    if (!this.waiter) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.waiter = { promise, resolve };
    }
    return this.waiter.promise;
  }

  /** Closes the channel: the watcher on the host sees its stdin end and stops. */
  stop(): void {
    this.stopped.abort();
  }
}
