/**
 * A preparation before the QDevice repairs: what `pvecm qdevice setup` needs and a half-finished setup lacked, the
 * guide's own qdevice-prereqs step (corosync-qdevice on both nodes, node 1 trusted on the VM). It does not bring the
 * vote back by itself: the repair goes on to the next repair after it.
 */
import { defineStep } from '../../src/step-kit/descriptor';
import { installQdevicePlan } from '../../src/plan/repairs';
import { qdevicePrereqs } from '../qdevice-prereqs';

export const installQdevice = defineStep({ ...qdevicePrereqs, ...installQdevicePlan, health: 'none' });
