/**
 * What the owner's runs hush in the guard (src/health/quiet.ts): a run that takes a node away (a drill, an update's
 * node turn, replace-node) declares the guide's steps it disturbs, and the `nodes` fact, read beside them, goes
 * quiet with the join; a run that declares only the QDevice's steps leaves a lost node paging.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { effectiveStatus, hushedFacts } from '../src/health/quiet';
import type { HealthFact, HealthReport } from '../src/health/report';
import { STEP_NAMES } from '../steps';

const fact = (name: string, status: HealthFact['status']): HealthFact => ({
  name,
  status,
  verdict: status === 'OK' ? 'pass' : 'fail',
  hosts: [],
  reason: '',
  facts: {},
});
const nodeLost: HealthReport = {
  version: 1,
  cluster: 'homelab',
  status: 'CRITICAL',
  exitCode: 2,
  summary: 'PVE-TWONODE CRITICAL - homelab: nodes: pve2 is no cluster member',
  checkedAt: '2026-12-04T10:00:00.000Z',
  wallMs: 200,
  facts: [fact('nodes', 'CRITICAL'), fact('join', 'CRITICAL'), fact('qdevice', 'CRITICAL'), fact('qnetd', 'OK')],
};
const run = (facts: string[]) => [{ workflowId: 'w', run: 'the failover drill', facts }];

describe('owner work hushes the nodes fact with the join', () => {
  it('a drill (every step but qnetd): the lost node pages nobody', () => {
    const drill = run(STEP_NAMES.filter((n) => n !== 'qnetd'));
    assert.ok(hushedFacts(drill).has('nodes'));
    assert.equal(effectiveStatus(nodeLost, drill), 'OK');
  });

  it('a QDevice repair (qnetd, qdevice-prereqs, qdevice): a lost node still pages', () => {
    const repair = run(['qnetd', 'qdevice-prereqs', 'qdevice']);
    assert.ok(!hushedFacts(repair).has('nodes'));
    assert.equal(effectiveStatus(nodeLost, repair), 'CRITICAL');
  });
});
