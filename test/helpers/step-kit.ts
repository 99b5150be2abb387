/**
 * A scripted StepContext for unit tests of a step's check, act and verify: each host command is answered from a
 * script (verbatim captures in test/fixtures), every command asked is recorded, and a wait polls its probe a few
 * times without sleeping. An unscripted command fails the test with its text, so a step that starts reading
 * something new is noticed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterConfig } from '../../src/config/schema';
import type { CommandResult } from '../../src/ssh/session';
import type { HostCommand } from '../../src/step-kit/commands';
import type { StepContext } from '../../src/step-kit/descriptor';
import { rawTestConfig, testConfig } from './config';

export const fixture = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', name), 'utf8');

/** A real rig's capture as the command printed it: without the `rc=N` line the capture appends (test/fixtures/SOURCES.md). */
export const capture = (name: string) => fixture(name).replace(/^rc=\d+\n?$/m, '');

/** The lab's names and addresses (pve1, pve2, qnetd on 10.213.7.0/24, cluster labclu), as its captures show them. */
export function labLikeConfig(overrides: Record<string, unknown> = {}): ClusterConfig {
  const raw = rawTestConfig();
  const [node1, node2] = raw.nodes as Record<string, unknown>[];
  return testConfig({
    cluster: { name: 'labclu' },
    nodes: [
      { ...node1, name: 'pve1', ip: '10.213.7.11' },
      { ...node2, name: 'pve2', ip: '10.213.7.12' },
    ],
    qdevice: { ...(raw.qdevice as object), name: 'qnetd', ip: '10.213.7.13' },
    ha: { resources: [{ sid: 'vm:100', preferred_node: 'pve1' }] },
    ...overrides,
  });
}

/** The rig of the real-pve-3/4 captures: rp1, rp2 on 10.213.9.0/24, the qnetd VM rq at .13, vm:100 under HA on rp1. */
export function realRigConfig(cluster: string, overrides: Record<string, unknown> = {}): ClusterConfig {
  const base = labLikeConfig();
  return labLikeConfig({
    cluster: { name: cluster },
    nodes: [
      { ...base.nodes[0], name: 'rp1', ip: '10.213.9.11' },
      { ...base.nodes[1], name: 'rp2', ip: '10.213.9.12' },
    ],
    qdevice: { ...base.qdevice, name: 'rq', ip: '10.213.9.13' },
    ha: { resources: [{ sid: 'vm:100', preferred_node: 'rp1' }] },
    ...overrides,
  });
}

/** pmxcfs's /etc/pve/.members (pve-cluster src/pmxcfs/status.c) for a cluster, with the nodes it sees online. */
export function pveMembers(cluster: string | null, quorate: boolean, online: string[]): string {
  const nodelist = Object.fromEntries(online.map((name, i) => [name, { id: i + 1, online: 1, ip: `10.213.7.${11 + i}` }]));
  return JSON.stringify({
    nodename: online[0] ?? 'pve1',
    version: 4,
    ...(cluster ? { cluster: { name: cluster, version: 2, nodes: online.length, quorate: quorate ? 1 : 0 } } : {}),
    nodelist,
  });
}

/** A command's answer: its stdout, or the full result (exit code, stderr); an array answers successive calls. */
export type Answer = string | Partial<Omit<CommandResult, 'command'>> | Answer[];

/** A script: `host command` (or just `command`, any host) to the answer; a function for anything else. */
export type Script = Record<string, Answer> | ((command: HostCommand) => Answer | undefined);

export interface ScriptedContext extends StepContext {
  /** Every command run, as `host$ command`, in order. */
  readonly ran: string[];
  /** The act commands among them (what changed the hosts). */
  readonly acts: string[];
  /** What each command was given on stdin, as `host$ command` to the text. */
  readonly stdin: Map<string, string>;
}

export function scriptedContext(config: ClusterConfig, script: Script, options: { readOnly?: boolean; polls?: number } = {}): ScriptedContext {
  const ran: string[] = [];
  const acts: string[] = [];
  const stdin = new Map<string, string>();
  const calls = new Map<string, number>();
  const lookup = (command: HostCommand): Answer | undefined =>
    typeof script === 'function' ? script(command) : (script[`${command.host} ${command.command}`] ?? script[command.command]);
  const run = (command: HostCommand, input?: string): Promise<CommandResult> => {
    if (options.readOnly && command.phase === 'act') return Promise.reject(new Error(`read-only context refused: ${command.command}`));
    ran.push(`${command.host}$ ${command.command}`);
    if (input !== undefined) stdin.set(`${command.host}$ ${command.command}`, input);
    if (command.phase === 'act') acts.push(`${command.host}$ ${command.command}`);
    let answer = lookup(command);
    if (answer === undefined) return Promise.reject(new Error(`unscripted command on ${command.host}: ${command.command}`));
    if (Array.isArray(answer)) {
      const key = `${command.host} ${command.command}`;
      const n = calls.get(key) ?? 0;
      calls.set(key, n + 1);
      answer = answer[Math.min(n, answer.length - 1)];
    }
    const result = typeof answer === 'string' ? { stdout: answer } : (answer as Partial<CommandResult>);
    return Promise.resolve({ command: command.command, code: 0, signal: null, stdout: '', stderr: '', ...result });
  };
  return {
    config,
    readOnly: options.readOnly ?? false,
    ran,
    acts,
    stdin,
    run,
    async output(command, input) {
      const result = await run(command, input);
      if (result.code !== 0) throw new Error(`${command.command} exited ${result.code}: ${result.stderr}`);
      return result.stdout;
    },
    async waitFor(_what, _timeoutMs, probe) {
      for (let i = 0; i < (options.polls ?? 3); i++) {
        const value = await probe();
        if (value !== undefined) return value;
      }
      return undefined;
    },
    secret: () => 'the-secret',
    note: () => undefined,
  };
}
