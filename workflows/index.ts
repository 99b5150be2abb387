/** Workflows registered by the worker. */
export { clusterGuide } from './guide';
export { clusterHealth, clusterHealthCheck } from './health';
export { repairQdevice } from './repair-qdevice';
export { nodeMaintenance } from './node-maintenance';
export { repairMoveQnetd } from './move-qnetd';
export { failoverDrill } from './drill';
export { rollingUpdate } from './rolling-update';
export { replaceNode } from './replace-node';
export { quorumOverride } from './quorum-override';
