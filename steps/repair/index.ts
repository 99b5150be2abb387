/**
 * The QDevice's repairs, least invasive first (`pve-twonode repair qdevice`): corosync-qnetd started on the VM (the
 * guide's own qnetd step), corosync-qdevice installed where missing (the guide's qdevice-prereqs step, a preparation:
 * the run goes on after it), the node's daemon restarted, the QDevice set up again.
 * No certificate re-import: real `pvecm qdevice setup` deletes the CA and node certificate it exported to /etc/pve
 * once it has used them (pve-cluster PVE/CLI/pvecm.pm), so a node that lost its store is mended only by remove + setup. Each
 * ends verified as the guide's qdevice step: 3 of 3 votes on the nodes and in qnetd's own list.
 */
import { installQdevice } from './install-qdevice';
import { resetupQdevice } from './resetup-qdevice';
import { restartQdevice } from './restart-qdevice';
import { startQnetd } from './start-qnetd';

/** In the order of their plans (src/plan/repairs.ts, what the repair workflow reads). */
export const QDEVICE_REPAIRS = [startQnetd, installQdevice, restartQdevice, resetupQdevice] as const;
export { INVASIVE_REPAIR, PREPARATIONS, type QdeviceRepairName } from '../../src/plan/repairs';
