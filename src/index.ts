/** The package's public entry: parsers for Proxmox/corosync output and the config schema. */
export { parsePvecmStatus, type PvecmStatus, type Member, type ClusterInfo } from './parsers/pvecm-status';
export { parseHaManagerStatus, type HaManagerStatus, type HaService, type HaDaemon } from './parsers/ha-manager-status';
export { parseTimedatectlShow, type TimeStatus } from './parsers/timedatectl';
export { parsePveversion, type PveVersion } from './parsers/pveversion';
export { ParseError } from './parsers/fields';
/** corosync-quorumtool -s prints the same sections as pvecm status, without "Cluster information". */
export { parsePvecmStatus as parseQuorumtoolStatus } from './parsers/pvecm-status';
export { clusterConfigSchema, type ClusterConfig } from './config/schema';
export { STEP_NAMES, type StepName } from './plan/guide';
export { loadConfig, parseConfigText, validateConfig, ConfigError } from './config/load';
