/** The StepContext of an activity attempt: one SSH session per host, heartbeats, cancellation between commands. */
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context, CancelledFailure } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterConfig, SecretRef } from '../../src/config/schema';
import { resolveSecret } from '../../src/secrets';
import { ChannelOpenError } from '../../src/ssh/errors';
import { SshSession, type CommandResult, type RunOptions } from '../../src/ssh/session';
import { hostByName, type HostCommand } from '../../src/step-kit/commands';
import type { Facts, StepContext, WaitOptions } from '../../src/step-kit/descriptor';
import { HostEvents } from './host-events';
import type { SharedRead, WorkerResources } from './resources';

const HEARTBEAT_EVERY_MS = 5_000;
export const WAIT_POLL_MS = 250;

/** Time spent asleep between probes in this process: waiting for the cluster, not orchestration (`npm run bench`). */
export const waits = { sleptMs: 0 };

export class ReadOnlyViolation extends Error {
  override name = 'ReadOnlyViolation';
}

/** The activity this code runs in, or undefined when called outside one (the CLI's read-only pass). */
function currentActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

const neverAborted = new AbortController().signal;
// Each command in flight listens for the cancellation: steps run up to 8 per host side by side, passes more.
setMaxListeners(256, neverAborted);
const widened = new WeakSet<AbortSignal>();

export type { SharedRead } from './resources';

/**
 * One SSH session per host, taken on first use and shared by the steps of one attempt or one read-only pass: from the
 * worker's pool when it has one (src/ssh/pool.ts), else opened here and closed at the end.
 */
export class HostSessions {
  private readonly sessions = new Map<string, Promise<SshSession>>();
  private readonly pool: WorkerResources['pool'];

  private readonly reads = new Map<string, Promise<CommandResult>>();

  /** The shared reads steps asked so far, in order: what the next pass of the same cluster may ask at its start. */
  readonly asked: SharedRead[] = [];
  private readonly askedKeys = new Set<string>();

  /**
   * @param resources the worker's pool and read caches (or a command's own)
   * @param retryFailedConnects false for one-shot passes: a host that did not answer is not waited for again.
   * @param shareReads the read-only pass: the same read on the same host (several steps ask `pvecm status`) is sent
   *   once and its answer shared, one snapshot of the cluster per pass.
   */
  constructor(
    private readonly config: ClusterConfig,
    readonly resources: WorkerResources,
    private readonly retryFailedConnects = true,
    private readonly shareReads = false,
  ) {
    this.pool = resources.pool;
  }

  get(host: string): Promise<SshSession> {
    let session = this.sessions.get(host);
    if (!session) {
      const config = hostByName(this.config, host);
      session = this.pool ? this.pool.acquire(config) : SshSession.open(config);
      this.sessions.set(host, session);
      // A failed connect must not be reused by a later command of a step that retries.
      if (this.retryFailedConnects) void session.catch(() => this.sessions.delete(host));
      else void session.catch(() => undefined);
    }
    return session;
  }

  /**
   * Runs a command on the host's session. A pooled connection that died while idle (the host rebooted) cannot open a
   * channel: the command never started, so it is sent once more on a fresh connection.
   */
  run(host: string, command: string, options: RunOptions): Promise<CommandResult> {
    if (!this.shareReads || options.stdin !== undefined || options.holdStdin) return this.send(host, command, options);
    const key = `${host}\n${command}`;
    if (!this.askedKeys.has(key)) {
      this.askedKeys.add(key);
      this.asked.push({ host, command, timeoutMs: options.timeoutMs });
    }
    return this.shared(key, host, command, options);
  }

  private shared(key: string, host: string, command: string, options: RunOptions): Promise<CommandResult> {
    let read = this.reads.get(key);
    if (!read) this.reads.set(key, (read = this.send(host, command, options)));
    return read;
  }

  /**
   * Asks these reads now, before any step does; a step that asks one later gets its answer (shared reads only).
   * A failure is the asking step's to see, never an unhandled rejection here.
   */
  askAhead(reads: readonly SharedRead[]): void {
    if (!this.shareReads) return;
    for (const { host, command, timeoutMs } of reads) void this.shared(`${host}\n${command}`, host, command, { timeoutMs, batch: true }).catch(() => undefined);
  }

  private async send(host: string, command: string, options: RunOptions): Promise<CommandResult> {
    const pending = this.get(host);
    const session = await pending;
    try {
      return await session.run(command, options);
    } catch (err) {
      if (!(err instanceof ChannelOpenError) || !this.pool) throw err;
      if (this.sessions.get(host) === pending) {
        this.sessions.delete(host);
        this.pool.drop(hostByName(this.config, host));
      }
      currentActivity()?.log.warn(`${host}: ${err.message}; the command never started, so it is sent again on a new connection`);
      return (await this.get(host)).run(command, options);
    }
  }

  close(): void {
    for (const [host, session] of this.sessions)
      void session.then(
        (s) => (this.pool ? this.pool.release(hostByName(this.config, host), s) : s.close()),
        () => undefined,
      );
    this.sessions.clear();
  }
}

export class SshStepContext implements StepContext {
  readonly actions: string[] = [];

  constructor(
    readonly config: ClusterConfig,
    readonly step: string,
    readonly readOnly: boolean,
    private readonly sessions: HostSessions,
  ) {}

  note(details: Facts): void {
    currentActivity()?.heartbeat({ step: this.step, ...details });
  }

  secret(ref: SecretRef): string {
    return resolveSecret(ref);
  }

  /**
   * Runs one command. Cancellation: a check or verify command is interrupted (its channel closed); an act command
   * is never cut in half (a half-run `pvecm add` or apt is worse than a late stop), so the step stops after it.
   */
  async run(command: HostCommand, stdin?: string): Promise<CommandResult> {
    if (this.readOnly && command.phase === 'act') throw new ReadOnlyViolation(`read-only pass refused to act: ${command.command} on ${command.host}`);
    const activity = currentActivity();
    const cancelled = activity?.cancellationSignal ?? neverAborted;
    if (!widened.has(cancelled)) {
      setMaxListeners(256, cancelled);
      widened.add(cancelled);
    }
    if (cancelled.aborted) throw new CancelledFailure(`cancelled before: ${command.command} on ${command.host}`);
    const reusable = this.readOnly && command.reuseForMs !== undefined && stdin === undefined;
    const reused = reusable ? this.sessions.resources.reads.get(this.config.cluster.name, command.host, command.command) : undefined;
    if (reused) return reused;
    const started = Date.now();
    const beat = () => this.note({ host: command.host, command: command.command, elapsedMs: Date.now() - started });
    beat();
    const timer = setInterval(beat, HEARTBEAT_EVERY_MS);
    try {
      const signal = command.phase === 'act' ? undefined : cancelled;
      // A check or verify read may travel with the host's other reads of this moment (src/ssh/batch.ts).
      const batch = command.phase !== 'act' && stdin === undefined;
      const result = await this.sessions.run(command.host, command.command, { stdin, timeoutMs: command.timeoutMs, signal, batch });
      activity?.log.info(`${this.step}: ${command.host}$ ${command.command} -> exit ${result.code}`);
      if (reusable) this.sessions.resources.reads.keep(this.config.cluster.name, command.host, result, command.reuseForMs ?? 0);
      if (command.phase === 'act') this.actions.push(`${command.host}: ${command.command}`);
      return result;
    } finally {
      clearInterval(timer);
    }
  }

  async output(command: HostCommand, stdin?: string): Promise<string> {
    const result = await this.run(command, stdin);
    if (result.code === 127 || result.code === 126) throw commandMissing(command, result);
    if (result.code !== 0) throw new Error(`${command.host}: "${command.command}" exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
    return result.stdout;
  }

  /**
   * Polls every 250 ms by default, so a host reaching the state is seen within a quarter second. With an event
   * source (options.wakeOn) each event triggers a probe at once; the polls stay, because not every change the probe
   * waits for is an event (corosync reports membership and vote totals, not a member's QDevice flags: seen on the
   * lab). In the read-only pass a wait is a single probe: a health check reports the state, it does not
   * wait for it.
   */
  async waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, options: WaitOptions = {}): Promise<T | undefined> {
    const activity = currentActivity();
    const started = Date.now();
    let events: HostEvents | undefined;
    try {
      for (;;) {
        events?.clear();
        const value = await probe();
        if (value !== undefined) return value;
        const elapsedMs = Date.now() - started;
        if (this.readOnly || elapsedMs >= timeoutMs) return undefined;
        if (options.wakeOn && !events) events = new HostEvents((host, command, o) => this.sessions.run(host, command, o), options.wakeOn);
        this.note({ waitingFor: what, elapsedMs, seen: options.seen?.() });
        const asleep = Date.now();
        const pause = Math.min(options.intervalMs ?? WAIT_POLL_MS, timeoutMs - elapsedMs);
        // The nap's timer is cleared whichever ends the wait first (an event, the nap, the activity's cancellation):
        // Context.sleep's timer outlives a race it lost and held the process open for up to intervalMs.
        const wake = new AbortController();
        const nap = sleep(pause, undefined, { signal: wake.signal }).catch(() => undefined);
        try {
          await Promise.race([nap, ...(events ? [events.next()] : []), ...(activity ? [activity.cancelled] : [])]);
        } finally {
          wake.abort();
        }
        waits.sleptMs += Date.now() - asleep;
      }
    } finally {
      events?.stop();
    }
  }

  close(): void {
    this.sessions.close();
  }
}

/**
 * The shell's 127 (command not found) and 126 (found, not executable): the host lacks what the step needs, which no
 * retry mends (a maintenance check was retried every 30 s without end on a node without ha-manager). One line, naming
 * the host and the command.
 */
function commandMissing(command: HostCommand, result: CommandResult): ApplicationFailure {
  const tool = command.command.trim().split(/\s+/)[0];
  const said = (result.stderr.trim() || result.stdout.trim()).split('\n').pop() ?? '';
  const what = result.code === 127 ? "is not installed there (or not on root's PATH)" : 'cannot be run there';
  return ApplicationFailure.nonRetryable(`${command.host}: ${tool} ${what}: ${said} (exit ${result.code})`, 'CommandMissing', {});
}
