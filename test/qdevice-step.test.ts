/**
 * The qdevice step's verify on recorded outputs: the nodes' third vote and corosync-qnetd's list must agree within one
 * wait. Right after a corosync-qdevice restart one side is seen before the other; reading qnetd once, after the nodes
 * agreed, failed a healthy cluster (lab repair runs did).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { HostCommand } from '../src/step-kit/commands';
import type { StepContext } from '../src/step-kit/descriptor';
import type { CommandResult } from '../src/ssh/session';
import { qdevice } from '../steps/qdevice';
import { rawTestConfig, testConfig } from './helpers/config';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
// The addresses of the recorded outputs: members 10.0.99.2 and .3 (pvecm status), the QDevice 10.213.7.13 (corosync.conf).
const raw = rawTestConfig();
const at = (host: unknown, ip: string) => ({ ...(host as object), ip });
const [node1, node2] = raw.nodes as unknown[];
const config = testConfig({ cluster: { name: 'labclu' }, nodes: [at(node1, '10.0.99.2'), at(node2, '10.0.99.3')], qdevice: at(raw.qdevice, '10.213.7.13') });
const voting = fixture('pvecm-status-qdevice-pve8.txt').replace('pve-cluster', 'labclu');
const bothListed = fixture('qnetd-tool-list.txt');
/** qnetd's list while node 2's daemon reconnects: node 1 only. */
const node1Only = bothListed.slice(0, bothListed.indexOf('    Node ID 2:'));

/** Answers each command from a script; a wait polls up to `polls` times (the real one sleeps in between). */
function scriptedContext(qnetdLists: string[], polls = 5): StepContext {
  let listed = 0;
  const answer = (command: HostCommand): string => {
    if (command.command === 'pvecm status') return voting;
    if (command.command === 'corosync-qnetd-tool -l') return qnetdLists[Math.min(listed++, qnetdLists.length - 1)];
    if (command.command === 'cat /etc/pve/corosync.conf') return fixture('corosync-conf-qdevice-lab.txt');
    if (command.command === 'systemctl is-active corosync-qdevice') return 'active\n';
    throw new Error(`unscripted command: ${command.command}`);
  };
  const run = (command: HostCommand): Promise<CommandResult> =>
    Promise.resolve({ command: command.command, code: 0, signal: null, stdout: answer(command), stderr: '' });
  return {
    config,
    readOnly: false,
    run,
    output: async (command) => (await run(command)).stdout,
    async waitFor(_what, _timeoutMs, probe) {
      for (let i = 0; i < polls; i++) {
        const value = await probe();
        if (value !== undefined) return value;
      }
      return undefined;
    },
    secret: () => '',
    note: () => undefined,
  };
}

/** What the guide's run hands verify after a setup. */
const ran = { state: { configured: false, leftover: false }, acted: { changes: [] } };

describe('qdevice verify: the nodes and corosync-qnetd agree within one wait', () => {
  it('passes when qnetd lists node 2 a poll after the nodes count its vote', async () => {
    const verified = await qdevice.verify(scriptedContext([node1Only, bothListed]), config, ran);
    assert.match(verified.summary, /corosync-qnetd on qdevice-vm votes for node ids 1, 2$/);
  });

  it('fails naming the node qnetd does not vote for once the wait is over', async () => {
    await assert.rejects(
      qdevice.verify(scriptedContext([node1Only]), config, ran),
      /corosync-qnetd on qdevice-vm does not give its vote to proxmox2 \(node id 2\)/,
    );
  });
});
