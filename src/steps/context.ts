/** Runs a step's commands inside an activity: one SSH session per host, heartbeats, cancellation between commands. */
import { Context, CancelledFailure } from '@temporalio/activity';
import type { ClusterConfig } from '../config/schema';
import { SshSession, type CommandResult } from '../ssh/session';
import { hostByName, type HostCommand } from './commands';
import { toFailure } from './failures';
import type { StepBody, StepResult } from './result';

const HEARTBEAT_EVERY_MS = 5_000;

export class StepContext {
  readonly actions: string[] = [];
  private readonly sessions = new Map<string, Promise<SshSession>>();

  constructor(
    readonly config: ClusterConfig,
    readonly step: string,
  ) {}

  private session(host: string): Promise<SshSession> {
    let session = this.sessions.get(host);
    if (!session) {
      session = SshSession.open(hostByName(this.config, host));
      this.sessions.set(host, session);
      // A failed connect must not be reused by a later command of this attempt.
      void session.catch(() => this.sessions.delete(host));
    }
    return session;
  }

  heartbeat(details: Record<string, unknown>): void {
    Context.current().heartbeat({ step: this.step, ...details });
  }

  /**
   * Runs one command. Cancellation: a check or verify command is interrupted (its channel closed); an act command
   * is never cut in half (a half-run `pvecm add` or apt is worse than a late stop), so the step stops after it.
   */
  async run(command: HostCommand, stdin?: string): Promise<CommandResult> {
    const activity = Context.current();
    if (activity.cancellationSignal.aborted) throw new CancelledFailure(`cancelled before: ${command.command} on ${command.host}`);
    const session = await this.session(command.host);
    const started = Date.now();
    const beat = () => this.heartbeat({ host: command.host, command: command.command, elapsedMs: Date.now() - started });
    beat();
    const timer = setInterval(beat, HEARTBEAT_EVERY_MS);
    try {
      const signal = command.phase === 'act' ? undefined : activity.cancellationSignal;
      const result = await session.run(command.command, { stdin, timeoutMs: command.timeoutMs, signal });
      activity.log.info(`${this.step}: ${command.host}$ ${command.command} -> exit ${result.code}`);
      if (command.phase === 'act') this.actions.push(`${command.host}: ${command.command}`);
      return result;
    } finally {
      clearInterval(timer);
    }
  }

  /** Runs a command whose success is part of the state being read; a non-zero exit is reported with its output. */
  async output(command: HostCommand, stdin?: string): Promise<string> {
    const result = await this.run(command, stdin);
    if (result.code !== 0) throw new Error(`${command.host}: "${command.command}" exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
    return result.stdout;
  }

  /** Polls probe until it returns a value; heartbeats with the elapsed time; cancellation interrupts the wait. */
  async waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 1_000): Promise<T | undefined> {
    const activity = Context.current();
    const started = Date.now();
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      const elapsedMs = Date.now() - started;
      if (elapsedMs >= timeoutMs) return undefined;
      this.heartbeat({ waitingFor: what, elapsedMs });
      await activity.sleep(intervalMs);
    }
  }

  close(): void {
    for (const session of this.sessions.values()) void session.then((s) => s.close(), () => undefined);
  }
}

/** The frame of every step activity: check, act, verify in body; errors mapped to retryable or not. */
export async function runStep(config: ClusterConfig, step: string, body: (ctx: StepContext) => Promise<StepBody>): Promise<StepResult> {
  const ctx = new StepContext(config, step);
  try {
    const result = await body(ctx);
    return { ...result, actions: ctx.actions, attempt: Context.current().info.attempt };
  } catch (err) {
    throw toFailure(err);
  } finally {
    ctx.close();
  }
}
