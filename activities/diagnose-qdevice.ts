/**
 * `repair qdevice`'s diagnosis: read-only, nothing changed. The health check's own verdict on the QDevice (the
 * qdevice step's check and verify), then each repair's check, which says whether that repair has anything to act on;
 * the plan is the applicable repairs, least invasive first, the full re-setup always last.
 */
import type { ClusterConfig } from '../src/config/schema';
import { qdevice } from '../steps/qdevice';
import { QDEVICE_REPAIRS, type QdeviceRepairName } from '../steps/repair';
import type { NodeQdevice } from '../steps/repair/restart-qdevice';
import { readNodeQdevices } from '../steps/repair/restart-qdevice';
import { readOnlyPass } from './read-only-pass';
import type { WorkerResources } from './runtime/resources';
import { HostSessions, SshStepContext } from './runtime/step-context';

export interface QdeviceDiagnosis {
  healthy: boolean;
  /** The health check's line on the QDevice. */
  verdict: string;
  nodes: NodeQdevice[];
  /** What each repair's check found, in words. */
  findings: string[];
  plan: QdeviceRepairName[];
}

export async function diagnoseQdevice(resources: WorkerResources, config: ClusterConfig): Promise<QdeviceDiagnosis> {
  const [health] = (await readOnlyPass(resources, config, [qdevice])).steps;
  const sessions = new HostSessions(config, resources, false);
  try {
    const ctx = (step: string) => new SshStepContext(config, step, true, sessions);
    const { nodes } = await readNodeQdevices(ctx('diagnose'), config);
    if (health.verdict === 'pass') return { healthy: true, verdict: health.reason, nodes, findings: [], plan: [] };
    const findings: string[] = [];
    const plan: QdeviceRepairName[] = [];
    for (const repair of QDEVICE_REPAIRS) {
      try {
        const checked = await repair.check(ctx(repair.name), config);
        // A repair that names its targets applies to them; one that does not applies when its check finds work left.
        const targets = (checked.state as { targets?: string[] } | null)?.targets;
        const applicable = targets === undefined ? !checked.done : targets.length > 0;
        if (applicable) plan.push(repair.name);
        findings.push(`${repair.name}: ${applicable ? `applies${targets?.length ? ` to ${targets.join(', ')}` : ''}` : 'nothing to do'}`);
      } catch (err) {
        findings.push(`${repair.name}: not possible now (${err instanceof Error ? err.message : String(err)})`);
      }
    }
    return { healthy: false, verdict: health.reason, nodes, findings, plan };
  } finally {
    sessions.close();
  }
}
