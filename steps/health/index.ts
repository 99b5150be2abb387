/**
 * What `check` and the guard read: the `nodes` fact first (a node lost names itself before the votes it costs), then
 * every guide step's check and verify.
 */
import type { AnyStep } from '../../src/step-kit/descriptor';
import { GUIDE_STEPS } from '../guide-steps';
import { nodes } from './nodes';

export const HEALTH_STEPS: readonly AnyStep[] = [nodes, ...GUIDE_STEPS];
