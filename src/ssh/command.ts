/** A command on a host as the session and its batcher both see it: what it returns and how it may be run. */
export interface CommandResult {
  command: string;
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
}

export interface RunOptions {
  /** Written to the command's stdin, then closed; the only way a secret reaches a host. */
  stdin?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called with each chunk of stdout as it arrives (an event watcher reacts to a line, not to the command's end). */
  onStdout?: (chunk: Buffer) => void;
  /**
   * Leaves stdin open until the command ends, is aborted or times out: a watcher that reads its stdin to the end
   * learns that the worker went away (the channel closed) and stops, instead of running on the host unattended.
   */
  holdStdin?: boolean;
  /**
   * A read: it may travel with the other reads asked of this host in the same turn of the event loop, as one SSH
   * command (src/ssh/batch.ts). Ignored with stdin, holdStdin or onStdout.
   */
  batch?: boolean;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;
