/** The activities the worker registers: one per guide step (failover has four stages). */
export { preflight } from './preflight';
export { hosts } from './hosts';
export { time } from './time';
export { create } from './create';
export { join } from './join';
export { qnetd } from './qnetd';
export { qdevicePrereqs } from './qdevice-prereqs';
export { qdevice } from './qdevice';
export { ha } from './ha';
export { replication } from './replication';
export { failoverPrepare, failoverPower, failoverObserve, failoverRestore } from './failover';
