/** A step's check alone, read-only (act commands refused): what a day-2 workflow shows before its gate. */
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterConfig } from '../../src/config/schema';
import type { Checked, StepDescriptor } from '../../src/step-kit/descriptor';
import type { WorkerResources } from './resources';
import { HostSessions, SshStepContext } from './step-context';

/** refused: the check's precondition failure (the reason a person reads), instead of the verdict. */
export type CheckOnly<S> = ({ refused: null } & Checked<S>) | { refused: string; done: false; state: null };

export async function checkOnly<S>(resources: WorkerResources, step: StepDescriptor<string, S>, config: ClusterConfig): Promise<CheckOnly<S>> {
  const sessions = new HostSessions(config, resources, false);
  try {
    return { refused: null, ...(await step.check(new SshStepContext(config, step.name, true, sessions), config)) };
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === 'PreconditionFailed') return { refused: err.message, done: false, state: null };
    throw err;
  } finally {
    sessions.close();
  }
}
