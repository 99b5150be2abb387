/** Ids and gates of the repair workflows (the CLI imports these without the workflow code). */
export const REPAIR_QDEVICE_GATE = 'repair-qdevice';
/** The second gate, before `pvecm qdevice remove` + setup, when the lighter repairs did not verify. */
export const RESETUP_GATE = 'repair-qdevice-resetup';
export const REPAIR_GATES = [REPAIR_QDEVICE_GATE, RESETUP_GATE] as const;

export const repairQdeviceIdFor = (cluster: string) => `pve-twonode-repair-qdevice-${cluster}`;
