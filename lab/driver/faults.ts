/** The lab's day-2 faults (lab/lab.sh cmd_fault) with the verdict `check` must give: shared by the lab test and the guard benchmark. */
import type { Health } from '../../src/health/report';

export interface LabFault {
  host: string;
  fault: string;
  status: Health;
  /** The step whose fact carries the verdict, and what its reason must say. */
  step: string;
  reason: RegExp;
  /** Other facts' statuses to assert. */
  also?: Record<string, Health>;
  /** Assert the CLI's exit code too. */
  exit?: number;
}

export const LAB_FAULTS: LabFault[] = [
  { host: 'pve2', fault: 'qdevice-dead', status: 'CRITICAL', step: 'qdevice', reason: /pve2 shows NA,NV,NMW: its corosync-qdevice daemon is not alive/ },
  { host: 'pve2', fault: 'qdevice-certs', status: 'CRITICAL', step: 'qdevice', reason: /pve2 shows NR: corosync-qdevice is not registered there/ },
  { host: 'qnetd', fault: 'qnetd-stopped', status: 'CRITICAL', step: 'qnetd', reason: /corosync-qnetd is not active and listening on 5403/, exit: 2 },
  {
    host: 'qnetd',
    fault: 'unplugged',
    status: 'CRITICAL',
    step: 'qdevice',
    reason: /pve1 shows A,NV,NMW: corosync-qnetd gives it no vote/,
    also: { qnetd: 'UNKNOWN' },
  },
  { host: 'pve1', fault: 'expected-low', status: 'CRITICAL', step: 'qdevice', reason: /Expected votes is 2, not 3: a `pvecm expected` override is in place/ },
  { host: 'pve1', fault: 'ha-maintenance', status: 'WARNING', step: 'ha', reason: /pve1 left in HA maintenance/ },
  { host: 'qnetd', fault: 'clock-skew', status: 'WARNING', step: 'time', reason: /qnetd ahead of the others by 50\d\d ms/, exit: 1 },
];

export function labFault(name: string): LabFault {
  const found = LAB_FAULTS.find((f) => f.fault === name);
  if (!found) throw new Error(`unknown lab fault ${name} (${LAB_FAULTS.map((f) => f.fault).join(', ')})`);
  return found;
}
