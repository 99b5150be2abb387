/**
 * Gathers the reads one connection is asked in the same turn of the event loop and sends them as one batch
 * (src/ssh/batch.ts). Each read still ends on its own: its frame, its timeout or its cancellation, whichever comes
 * first; the batch's channel is closed once no read waits on it.
 */
import { batchScript, FrameReader } from './batch';
import { CommandAbortedError, CommandTimeoutError, ConnectionError } from './errors';
import { DEFAULT_COMMAND_TIMEOUT_MS, type CommandResult, type RunOptions } from './command';

/** Past this many commands a batch is sent and the next read starts another (sshd takes up to 128 KiB of command). */
const MAX_READS = 32;

type Send = (command: string, options: RunOptions) => Promise<CommandResult>;

interface Read {
  command: string;
  options: RunOptions;
  settle: (result: CommandResult | Error) => void;
  settled: boolean;
}

export class Batcher {
  private pending: Read[] = [];

  constructor(
    private readonly host: string,
    private readonly send: Send,
  ) {}

  add(command: string, options: RunOptions): Promise<CommandResult> {
    if (options.signal?.aborted) return Promise.reject(new CommandAbortedError(this.host, command));
    return new Promise((resolve, reject) => {
      const read: Read = {
        command,
        options,
        settled: false,
        settle: (result) => {
          if (read.settled) return;
          read.settled = true;
          if (result instanceof Error) reject(result);
          else resolve(result);
        },
      };
      if (this.pending.length === 0) setImmediate(() => this.flush());
      this.pending.push(read);
      if (this.pending.length >= MAX_READS) this.flush();
    });
  }

  private flush(): void {
    const reads = this.pending;
    this.pending = [];
    if (reads.length === 1) {
      const [read] = reads;
      this.send(read.command, { ...read.options, batch: false }).then(read.settle, read.settle);
    } else if (reads.length > 1) this.sendTogether(reads);
  }

  private sendTogether(reads: Read[]): void {
    const channel = new AbortController();
    const timers: NodeJS.Timeout[] = [];
    const cleanups: (() => void)[] = [];
    let givenUp = false;
    const finished = (read: Read, result: CommandResult | Error) => {
      if (read.settled) return;
      read.settle(result);
      givenUp ||= result instanceof CommandTimeoutError || result instanceof CommandAbortedError;
      if (!reads.every((r) => r.settled)) return;
      timers.forEach(clearTimeout);
      cleanups.forEach((c) => c());
      // Nobody waits on the batch any more. If a read was given up on (it may still run there), the channel is
      // closed; otherwise the script is left to end by itself, which removes its directory on the host.
      if (givenUp) channel.abort();
    };
    for (const read of reads) {
      const timeoutMs = read.options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
      timers.push(setTimeout(() => finished(read, new CommandTimeoutError(this.host, read.command, timeoutMs)), timeoutMs));
      const signal = read.options.signal;
      if (signal) {
        const onAbort = () => finished(read, new CommandAbortedError(this.host, read.command));
        signal.addEventListener('abort', onAbort, { once: true });
        cleanups.push(() => signal.removeEventListener('abort', onAbort));
      }
    }
    const frames = new FrameReader(({ index, code, stdout, stderr }) => {
      const read = reads[index];
      if (read) finished(read, { command: read.command, stdout, stderr, code, signal: null });
    });
    const longest = Math.max(...reads.map((r) => r.options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS));
    this.send(batchScript(reads.map((r) => r.command)), { timeoutMs: longest + 1_000, signal: channel.signal, onStdout: (chunk) => frames.feed(chunk) }).then(
      (batch) => {
        const why = `the batch of ${reads.length} reads ended (exit ${batch.code}) before this one did: ${batch.stderr.trim().slice(0, 200)}`;
        for (const read of reads) finished(read, new ConnectionError(this.host, `${why}: ${read.command}`));
      },
      (err: Error) => {
        // The connection or its channel failed: every read still waiting failed the same way (a ChannelOpenError
        // means none of them started, so the caller may send each again).
        for (const read of reads) finished(read, err);
      },
    );
  }
}
