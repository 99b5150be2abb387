/** Workflows registered by the worker. */
export { clusterGuide } from './guide';
