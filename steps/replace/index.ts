/** replace-node's own steps (the rejoin reuses the guide's); the worker registers one activity per step name. */
export { survivorOf } from './commands';
export { backupSurvivor } from './backup-survivor';
export { forgetDeadNode } from './forget-dead-node';
export { freshNode } from './fresh-node';
export { proveDead } from './prove-dead';
export { removeDeadNode } from './remove-dead-node';
