/** The StepContext of an activity attempt: one SSH session per host, heartbeats, cancellation between commands. */
import { setTimeout as sleep } from 'node:timers/promises';
import { Context, CancelledFailure } from '@temporalio/activity';
import type { ClusterConfig, SecretRef } from '../../src/config/schema';
import { resolveSecret } from '../../src/secrets';
import { SshSession, type CommandResult } from '../../src/ssh/session';
import { hostByName, type HostCommand } from '../../src/step-kit/commands';
import type { Facts, StepContext } from '../../src/step-kit/descriptor';

const HEARTBEAT_EVERY_MS = 5_000;

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

/** One SSH session per host, opened on first use and shared by the steps of one attempt or one read-only pass. */
export class HostSessions {
  private readonly sessions = new Map<string, Promise<SshSession>>();

  /** @param retryFailedConnects false for one-shot passes: a host that did not answer is not waited for again. */
  constructor(
    private readonly config: ClusterConfig,
    private readonly retryFailedConnects = true,
  ) {}

  get(host: string): Promise<SshSession> {
    let session = this.sessions.get(host);
    if (!session) {
      session = SshSession.open(hostByName(this.config, host));
      this.sessions.set(host, session);
      // A failed connect must not be reused by a later command of a step that retries.
      if (this.retryFailedConnects) void session.catch(() => this.sessions.delete(host));
      else void session.catch(() => undefined);
    }
    return session;
  }

  close(): void {
    for (const session of this.sessions.values())
      void session.then(
        (s) => s.close(),
        () => undefined,
      );
  }
}

export class SshStepContext implements StepContext {
  readonly actions: string[] = [];

  constructor(
    readonly config: ClusterConfig,
    readonly step: string,
    readonly readOnly = false,
    private readonly sessions = new HostSessions(config),
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
    if (cancelled.aborted) throw new CancelledFailure(`cancelled before: ${command.command} on ${command.host}`);
    const session = await this.sessions.get(command.host);
    const started = Date.now();
    const beat = () => this.note({ host: command.host, command: command.command, elapsedMs: Date.now() - started });
    beat();
    const timer = setInterval(beat, HEARTBEAT_EVERY_MS);
    try {
      const signal = command.phase === 'act' ? undefined : cancelled;
      const result = await session.run(command.command, { stdin, timeoutMs: command.timeoutMs, signal });
      activity?.log.info(`${this.step}: ${command.host}$ ${command.command} -> exit ${result.code}`);
      if (command.phase === 'act') this.actions.push(`${command.host}: ${command.command}`);
      return result;
    } finally {
      clearInterval(timer);
    }
  }

  async output(command: HostCommand, stdin?: string): Promise<string> {
    const result = await this.run(command, stdin);
    if (result.code !== 0) throw new Error(`${command.host}: "${command.command}" exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
    return result.stdout;
  }

  /** In the read-only pass a wait is a single probe: a health check reports the state, it does not wait for it. */
  async waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 1_000): Promise<T | undefined> {
    const activity = currentActivity();
    const started = Date.now();
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      const elapsedMs = Date.now() - started;
      if (this.readOnly || elapsedMs >= timeoutMs) return undefined;
      this.note({ waitingFor: what, elapsedMs });
      await (activity ? activity.sleep(intervalMs) : sleep(intervalMs));
    }
  }

  close(): void {
    this.sessions.close();
  }
}
