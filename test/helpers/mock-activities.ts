/** Stand-in activities for tests about workflow logic only: they record calls and return what a step would. */
import { activityInfo, ApplicationFailure, heartbeat, sleep } from '@temporalio/activity';
import type { Activities } from '../../activities';
import type { FailoverTarget } from '../../steps/failover';
import type { AnyStep } from '../../src/step-kit/descriptor';
import type { StepResult } from '../../src/step-kit/result';
import { GUIDE_STEPS } from '../../steps';
import { QDEVICE_REPAIRS } from '../../steps/repair';
import { moveQnetd } from '../../steps/repair/move-qnetd';
import type { QdeviceDiagnosis } from '../../activities/diagnose-qdevice';
import type { QnetdLocation } from '../../activities/locate-qnetd';
import type { HostUpdatePlan } from '../../activities/update';
import type { HealthReport } from '../../src/health/report';

/** A host the stand-in update plan finds nothing to do on. */
export function upToDate(host: string): HostUpdatePlan {
  const packages = {
    host,
    changes: [],
    removals: [],
    interrupted: null,
    kernel: { running: '6.8.12-1-pve', newest: '6.8.12-1-pve', flagged: false },
    rebootNeeded: false,
    bootId: 'boot-1',
    pveVersion: null,
  };
  return { host, refused: null, packages, summary: `${host}: no package to change` };
}

/** A host with one package to upgrade and, with a kernel, a reboot needed. */
export function withUpdates(host: string, kernel: boolean): HostUpdatePlan {
  const plan = upToDate(host);
  const changes = [
    { package: 'lab-base-files', from: '1.1', to: '1.2' },
    ...(kernel ? [{ package: 'proxmox-kernel-6.8.12-2-pve', from: null, to: '6.8.12-2' }] : []),
  ];
  return {
    ...plan,
    packages: { ...plan.packages!, changes, rebootNeeded: kernel },
    summary: `${host}: ${changes.length} packages${kernel ? '; reboot needed' : ''}`,
  };
}

/** A host key the stand-in reinstalled node does not present: its approval is refused as the real session would. */
export const WRONG_HOST_KEY = 'SHA256:wrongwrongwrongwrongwrongwrongwrongwrongwro';

export type Behaviour = {
  failTransiently?: number;
  failPermanently?: string;
  /** The failure type of failPermanently (PostconditionFailed unless given). */
  failType?: string;
  run?: () => Promise<void>;
  untilCancelled?: boolean;
};

/** What the stand-in diagnosis finds: by default, a node's daemon down (restart, then the full re-setup). */
export const DIAGNOSIS: QdeviceDiagnosis = {
  healthy: false,
  verdict: 'pve2 shows NA,NV,NMW',
  nodes: [],
  findings: [],
  plan: ['restart-qdevice', 'resetup-qdevice'],
};

/** Where the stand-in finds the QDevice: on the old VM, both nodes online (the move can go ahead). */
export const LOCATION: QnetdLocation = { refused: null, done: false, from: '192.0.2.99' };

export function mockActivities(
  behaviour: Partial<Record<string, Behaviour>> = {},
  steps: readonly AnyStep[] = GUIDE_STEPS,
  diagnosis = DIAGNOSIS,
  location = LOCATION,
  updates: Record<string, HostUpdatePlan> = {},
) {
  const calls: string[] = [];
  const step =
    <F extends Record<string, unknown>>(name: string, facts: F = {} as F) =>
    async (): Promise<StepResult<F & { step: string }>> => {
      calls.push(name);
      const b = behaviour[name] ?? {};
      const attempt = activityInfo().attempt;
      if (b.failTransiently && attempt <= b.failTransiently) throw new Error(`${name}: connection reset (attempt ${attempt})`);
      if (b.failPermanently) throw ApplicationFailure.nonRetryable(b.failPermanently, b.failType ?? 'PostconditionFailed', { attempt, facts: {} });
      await b.run?.();
      // A long wait that heartbeats, as the real steps do; cancellation arrives with a heartbeat and ends the sleep.
      for (let beat = 0; b.untilCancelled; beat++) {
        heartbeat({ waitingFor: 'cancellation', beat });
        await sleep(100);
      }
      return { outcome: 'done', message: `${name} ok`, facts: { step: name, ...facts }, actions: [`${name} acted`], attempt };
    };
  const target: FailoverTarget = { victim: 'proxmox1', survivor: 'proxmox2', sid: 'vm:100' };
  const named: Activities = {
    failoverPrepare: step('failoverPrepare', { target, previous: null, before: 'healthy' }),
    failoverPower: (_config, action) => {
      calls.push(`failoverPower:${action}`);
      return Promise.resolve({ at: Date.now(), output: '' });
    },
    failoverObserve: step('failoverObserve', { survivorStatus: null as never, recoveryMs: 95_000 }),
    failoverRestore: step('failoverRestore'),
    readOnlyPass: () => Promise.reject(new Error('the read-only pass is not part of the guide')),
    // Only runs that ask for it (the update) get a report: OK, or CRITICAL with behaviour.healthCheck's failPermanently.
    healthCheck: () => {
      calls.push('healthCheck');
      const b = behaviour.healthCheck;
      if (!b) return Promise.reject(new Error('the health check is not part of the guide'));
      const problem = b.failPermanently;
      return Promise.resolve({ status: problem ? 'CRITICAL' : 'OK', summary: problem ?? 'homelab: OK', facts: [] } as unknown as HealthReport);
    },
    // A refusal comes as the failPermanently text of behaviour.maintenanceCheck.
    maintenanceCheck: () => {
      calls.push('maintenanceCheck');
      return Promise.resolve({ refused: behaviour.maintenanceCheck?.failPermanently ?? null, done: false });
    },
    updatePlan: (_config, hosts) => {
      calls.push(`updatePlan:${hosts.join(',')}`);
      return Promise.resolve(hosts.map((host) => updates[host] ?? upToDate(host)));
    },
    upgradeHostStep: (_config, host) =>
      step(`upgradeHostStep:${host}`, { packages: { rebootNeeded: updates[host]?.packages?.rebootNeeded ?? false, bootId: 'boot-1' } })(),
    rebootHostStep: (_config, host, bootId) => step(`rebootHostStep:${host}:${bootId}`)(),
    proveDeadStep: (_config, node) => step(`proveDeadStep:${node}`)(),
    backupSurvivorStep: (_config, node, dir) => step(`backupSurvivorStep:${node}:${dir}`)(),
    removeDeadNodeStep: (_config, node) => step(`removeDeadNodeStep:${node}`)(),
    forgetDeadNodeStep: (_config, node) => step(`forgetDeadNodeStep:${node}`)(),
    // The session pins the approved key: another one than the node presents fails before any credential is sent.
    freshNodeStep: (config, node) => {
      const key = config.nodes.find((n) => n.name === node)?.ssh.host_key ?? '';
      if (key === WRONG_HOST_KEY) {
        calls.push(`freshNodeStep:${node}:wrong-key`);
        return Promise.reject(
          ApplicationFailure.nonRetryable(`${node}: host key mismatch: config pins ${key} but the host presented SHA256:new`, 'HostKeyMismatch'),
        );
      }
      return step(`freshNodeStep:${node}:${key}`)();
    },
    proveAloneStep: (_config, survivor) => step(`proveAloneStep:${survivor}`)(),
    applyOverrideStep: (_config, survivor) => step(`applyOverrideStep:${survivor}`)(),
    // The peer stays away; the QDevice VM answers again at the fourth look.
    overrideState: () => {
      calls.push('overrideState');
      return Promise.resolve({ peerBack: false, qnetdBack: calls.filter((c) => c === 'overrideState').length >= 4 });
    },
    restoreQuorumStep: (_config, survivor, qnetdBack) => step(`restoreQuorumStep:${survivor}:${qnetdBack}`)(),
    maintenanceOnStep: step('maintenanceOnStep'),
    maintenanceOffStep: step('maintenanceOffStep'),
    diagnoseQdevice: () => {
      calls.push('diagnoseQdevice');
      return Promise.resolve(diagnosis);
    },
    locateQnetd: () => {
      calls.push('locateQnetd');
      return Promise.resolve(location);
    },
    sendGateNoticeTo: (channel, _notify, gate) => {
      calls.push(`sendGateNotice:${gate.gate}`);
      return Promise.resolve(channel);
    },
    // A day-2 run that fails tells the owner: "sendAlertTo:<channel>:<kind>:<what it says>".
    sendAlertTo: (channel, _notify, alert) => {
      calls.push(`sendAlertTo:${channel}:${alert.kind}:${alert.problems.join(' / ')}`);
      return Promise.resolve(channel);
    },
    pingHeartbeat: () => Promise.reject(new Error('the heartbeat is not part of the guide')),
  };
  const names = [...QDEVICE_REPAIRS, moveQnetd, ...steps].flatMap((s): string[] => (s.activity === null ? [] : [s.activity]));
  const impl = { ...Object.fromEntries(names.map((name) => [name, step(name)])), ...named };
  return { impl, calls };
}
