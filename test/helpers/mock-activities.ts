/** Stand-in activities for tests about workflow logic only: they record calls and return what a step would. */
import { activityInfo, ApplicationFailure, heartbeat, sleep } from '@temporalio/activity';
import type * as activities from '../../activities';
import type { FailoverTarget } from '../../activities/failover';
import type { StepResult } from '../../src/steps/result';

type Activities = typeof activities;
export type Behaviour = { failTransiently?: number; failPermanently?: string; run?: () => Promise<void>; untilCancelled?: boolean };

export function mockActivities(behaviour: Partial<Record<keyof Activities, Behaviour>> = {}) {
  const calls: string[] = [];
  const step = (name: keyof Activities) => async (): Promise<StepResult> => {
    calls.push(name);
    const b = behaviour[name] ?? {};
    const attempt = activityInfo().attempt;
    if (b.failTransiently && attempt <= b.failTransiently) throw new Error(`${name}: connection reset (attempt ${attempt})`);
    if (b.failPermanently) throw ApplicationFailure.nonRetryable(b.failPermanently, 'PostconditionFailed', { attempt });
    await b.run?.();
    // A long wait that heartbeats, as the real steps do; cancellation arrives with a heartbeat and ends the sleep.
    for (let beat = 0; b.untilCancelled; beat++) {
      heartbeat({ waitingFor: 'cancellation', beat });
      await sleep(100);
    }
    return { outcome: 'done', message: `${name} ok`, facts: { step: name }, actions: [`${name} acted`], attempt };
  };
  const target: FailoverTarget = { victim: 'proxmox1', survivor: 'proxmox2', sid: 'vm:100' };
  const impl: Activities = {
    preflight: step('preflight'),
    hosts: step('hosts'),
    time: step('time'),
    create: step('create'),
    join: step('join'),
    qnetd: step('qnetd'),
    qdevicePrereqs: step('qdevicePrereqs'),
    qdevice: step('qdevice'),
    ha: step('ha'),
    replication: step('replication'),
    failoverPrepare: async () => ({ ...(await step('failoverPrepare')()), target }),
    failoverPower: (_c, action) => {
      calls.push(`failoverPower:${action}`);
      return Promise.resolve({ at: Date.now(), output: '' });
    },
    failoverObserve: async () => ({ ...(await step('failoverObserve')()), recoveryMs: 95_000 }),
    failoverRestore: step('failoverRestore'),
  };
  return { impl, calls };
}
