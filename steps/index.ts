/**
 * The steps' bodies in the guide's order (guide-steps.ts; the order and names are the plan's, src/plan/guide.ts):
 * the worker's activities, `plan`, the read-only pass, `check` and the README table read from here. Workflows read
 * only the plan.
 */
import { GUIDE_STEPS } from './guide-steps';

export { GUIDE_STEPS };

export { STEP_NAMES, type StepName } from '../src/plan/guide';
