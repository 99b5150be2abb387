/** A valid cluster config for tests, built through the real schema. */
import { validateConfig } from '../../src/config/load';
import type { ClusterConfig } from '../../src/config/schema';

const KEY = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';

export function rawTestConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const host = (name: string, ip: string) => ({ name, ip, ssh: { host_key: KEY, auth: { key_file: '/root/.ssh/id_ed25519' } } });
  return {
    cluster: { name: 'homelab' },
    nodes: [host('proxmox1', '192.0.2.11'), host('proxmox2', '192.0.2.12')],
    qdevice: host('qdevice-vm', '192.0.2.13'),
    ntp: { servers: ['0.cz.pool.ntp.org', '1.cz.pool.ntp.org'] },
    join: { method: 'api', password: { env: 'PVE_ROOT_PASSWORD' }, fingerprint: Array(32).fill('AB').join(':') },
    ha: { resources: [{ sid: 'vm:100', preferred_node: 'proxmox1' }] },
    failover: { enabled: true, power_off: { command: ['true'] }, power_on: { command: ['true'] } },
    ...overrides,
  };
}

export function testConfig(overrides: Record<string, unknown> = {}): ClusterConfig {
  return validateConfig(rawTestConfig(overrides), 'test');
}
