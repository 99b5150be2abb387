/**
 * The rolling update's activities: the read-only plan of every host (each host's upgrade check, run with act
 * commands refused), the upgrade of one host and its reboot, each run as the guide runs its steps (check, act, verify).
 */
import type { ClusterConfig } from '../src/config/schema';
import type { StepResult } from '../src/step-kit/result';
import { describeHostPackages, type HostPackages } from '../steps/update/host-packages';
import { rebootHost } from '../steps/update/reboot-host';
import { upgradeHost } from '../steps/update/upgrade-host';
import { checkOnly } from './runtime/check-only';
import type { WorkerResources } from './runtime/resources';
import { runStep } from './runtime/run-step';

export interface HostUpdatePlan {
  host: string;
  /** Why the host cannot be planned (unreachable, apt failing), or null. */
  refused: string | null;
  packages: HostPackages | null;
  /** One line for the progress, the CLI and the gate. */
  summary: string;
}

/** Each host's plan, side by side: `apt-get update` and a simulated dist-upgrade; nothing changes on any host. */
export async function updatePlan(resources: WorkerResources, config: ClusterConfig, hosts: string[]): Promise<HostUpdatePlan[]> {
  return Promise.all(
    hosts.map(async (host) => {
      const checked = await checkOnly(resources, upgradeHost(host), config);
      if (checked.refused !== null) return { host, refused: checked.refused, packages: null, summary: `${host}: ${checked.refused}` };
      return { host, refused: null, packages: checked.state, summary: describeHostPackages(checked.state) };
    }),
  );
}

export function upgradeHostStep(resources: WorkerResources, config: ClusterConfig, host: string): Promise<StepResult> {
  return runStep(resources, upgradeHost(host), config);
}

export function rebootHostStep(
  resources: WorkerResources,
  config: ClusterConfig,
  host: string,
  bootIdAfterUpgrade: string,
  timeout?: string,
): Promise<StepResult> {
  return runStep(resources, rebootHost(host, bootIdAfterUpgrade, timeout), config);
}
