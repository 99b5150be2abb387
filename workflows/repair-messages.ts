/** Ids and gates of the day-2 workflows, repairs and maintenance (the CLI imports these without the workflow code). */
export const REPAIR_QDEVICE_GATE = 'repair-qdevice';
/** The second gate, before `pvecm qdevice remove` + setup, when the lighter repairs did not verify. */
export const RESETUP_GATE = 'repair-qdevice-resetup';
export const REPAIR_GATES = [REPAIR_QDEVICE_GATE, RESETUP_GATE] as const;

export const repairQdeviceIdFor = (cluster: string) => `pve-twonode-repair-qdevice-${cluster}`;

/** repair move-qnetd's one gate, before the QDevice is removed and set up against the new VM. */
export const MOVE_QNETD_GATE = 'move-qnetd';
export const moveQnetdIdFor = (cluster: string) => `pve-twonode-repair-move-qnetd-${cluster}`;

/** The drill's approval before the power cut, and a person's confirmations when failover power is manual. */
export const DRILL_GATE = 'drill';
export const drillPowerGate = (action: 'off' | 'on') => `${DRILL_GATE}-power-${action}` as const;
export const DRILL_GATES = [DRILL_GATE, drillPowerGate('off'), drillPowerGate('on')] as const;
/** On demand; a run the drill's Schedule starts gets this id plus the scheduled time (the server appends it). */
export const drillIdFor = (cluster: string) => `pve-twonode-drill-${cluster}`;
export const drillScheduleIdFor = (cluster: string) => `pve-twonode-drill-schedule-${cluster}`;

export const maintenanceIdFor = (cluster: string) => `pve-twonode-maintenance-${cluster}`;
export const MAINTENANCE_GATES = ['maintenance-on', 'maintenance-off'] as const;

/** The rolling update: one gate per host, before anything is done on it. */
export const updateIdFor = (cluster: string) => `pve-twonode-update-${cluster}`;
export const UPDATE_GATE_PREFIX = 'update-';
export const updateGate = (host: string) => `${UPDATE_GATE_PREFIX}${host}`;

/**
 * replace-node: the approval before the dead node is removed (replace-<node>), then the long wait for its reinstall
 * (reinstalled-<node>, approved with the new host key).
 */
export const replaceNodeIdFor = (cluster: string) => `pve-twonode-replace-node-${cluster}`;
export const REPLACE_GATE_PREFIX = 'replace-';
export const REINSTALLED_GATE_PREFIX = 'reinstalled-';
export const replaceGate = (node: string) => `${REPLACE_GATE_PREFIX}${node}`;
export const reinstalledGate = (node: string) => `${REINSTALLED_GATE_PREFIX}${node}`;

/** quorum-override's one gate, before the break-glass override on the survivor; never auto-approved. */
export const quorumOverrideIdFor = (cluster: string) => `pve-twonode-quorum-override-${cluster}`;
export const OVERRIDE_GATE_PREFIX = 'override-';
export const overrideGate = (survivor: string) => `${OVERRIDE_GATE_PREFIX}${survivor}`;

/** The day-2 workflow a gate belongs to (the CLI's approve and reject find the run by it); null for the guide's gates. */
export function day2WorkflowIdFor(cluster: string, gate: string): string | null {
  if ((REPAIR_GATES as readonly string[]).includes(gate)) return repairQdeviceIdFor(cluster);
  if (gate === MOVE_QNETD_GATE) return moveQnetdIdFor(cluster);
  // A scheduled drill has its own id: the CLI looks the running one up (cli/drill.ts).
  if ((DRILL_GATES as readonly string[]).includes(gate)) return drillIdFor(cluster);
  if ((MAINTENANCE_GATES as readonly string[]).includes(gate)) return maintenanceIdFor(cluster);
  for (const prefix of [REPLACE_GATE_PREFIX, REINSTALLED_GATE_PREFIX])
    if (gate.startsWith(prefix) && gate.length > prefix.length) return replaceNodeIdFor(cluster);
  if (gate.startsWith(OVERRIDE_GATE_PREFIX) && gate.length > OVERRIDE_GATE_PREFIX.length) return quorumOverrideIdFor(cluster);
  if (gate.startsWith(UPDATE_GATE_PREFIX) && gate.length > UPDATE_GATE_PREFIX.length) return updateIdFor(cluster);
  return null;
}
