/**
 * The guide's steps, in the order they run: the only list of steps (steps/index.ts derives the rest).
 * Adding a step: write steps/<name>.ts exporting one defineStep(...), then add it here (docs/adding-a-step.md).
 */
import { create } from './create';
import { failover } from './failover';
import { ha } from './ha';
import { hosts } from './hosts';
import { join } from './join';
import { joinPrereqs } from './join-prereqs';
import { preflight } from './preflight';
import { qdevice } from './qdevice';
import { qdevicePrereqs } from './qdevice-prereqs';
import { qnetd } from './qnetd';
import { replication } from './replication';
import { time } from './time';

export const GUIDE_STEPS = [preflight, hosts, time, create, joinPrereqs, join, qnetd, qdevicePrereqs, qdevice, ha, replication, failover] as const;
