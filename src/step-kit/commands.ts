/** Host commands as data: each step declares them once; `plan` prints them and the activity runs them. */
import type { ClusterConfig, HostConfig } from '../config/schema';
import type { CommandResult } from '../ssh/session';
import { quote } from '../ssh/quote';

export type Phase = 'check' | 'act' | 'verify';

export interface HostCommand {
  host: string;
  phase: Phase;
  command: string;
  /** What the command reads on stdin (a description such as "join.password (secret)", never the value). */
  stdin?: string;
  /** A command that waits (apt, quorum polls) may take this long. */
  timeoutMs?: number;
  /**
   * A read whose success a read-only pass (the health check) may take as still true for this long instead of asking
   * again (activities/runtime/reused-reads.ts); a guide run or repair always asks.
   */
  reuseForMs?: number;
}

/** A command whose text depends on a value only known at run time (a key read from a host); plan shows the placeholder. */
export type CommandTemplate = ((value: string) => HostCommand) & { placeholder: string };

export function template(placeholder: string, build: (value: string) => HostCommand): CommandTemplate {
  return Object.assign(build, { placeholder });
}
export type CommandSet = Record<string, HostCommand | CommandTemplate>;

export function on(host: HostConfig, phase: Phase, command: string, extra: Partial<HostCommand> = {}): HostCommand {
  return { host: host.name, phase, command, ...extra };
}

export function allHosts(config: ClusterConfig): HostConfig[] {
  return [config.nodes[0], config.nodes[1], config.qdevice];
}

export function hostByName(config: ClusterConfig, name: string): HostConfig {
  const host = allHosts(config).find((h) => h.name === name);
  if (!host) throw new Error(`no host named ${name} in the config`);
  return host;
}

/** Flattens a command set for `plan`; templates show their placeholder for the run-time value. */
export function listCommands(set: CommandSet): HostCommand[] {
  return Object.values(set).map((c) => (typeof c === 'function' ? c(c.placeholder) : c));
}

/** "<label> exited <code>: <the end of its output>": what a command said, for a failure a person can act on. */
export function exitReport(label: string, result: CommandResult, maxChars: number): string {
  return `${label} exited ${result.code}: ${`${result.stdout}\n${result.stderr}`.trim().slice(-maxChars)}`;
}

/** Shell that sets $f to the path and keeps a dated copy of it, if it exists, before a command changes it. */
export function backup(path: string): string {
  // A brace group, so `a && <backup> && b` stops at the first failure and $f stays set for b.
  // -L: on PVE root's authorized_keys and known_hosts are links into /etc/pve; the backup must hold the content.
  return `{ f=${quote(path)}; if [ -e "$f" ]; then cp -aL "$f" "$f.pve-twonode-$(date +%Y%m%d%H%M%S).bak"; fi; }`;
}

/** Backs the file up on the host, then replaces it with what arrives on stdin (cat > keeps bind-mounted files in place). */
export function replaceFile(host: HostConfig, path: string): HostCommand {
  return on(host, 'act', `${backup(path)}; cat > "$f"`, { stdin: `new content of ${path}` });
}
