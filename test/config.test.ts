/** cluster.yaml validation: every bad field named with its path and a fix, before anything touches a host. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, parseConfigText, validateConfig } from '../src/config/load';
import { clusterJsonSchema } from '../scripts/write-json-schema';
import { rawTestConfig } from './helpers/config';

const root = join(__dirname, '..');
type RawHost = { ip: string; ssh: { host_key: string } };
type RawHosts = Record<string, unknown> & { nodes: RawHost[]; qdevice: RawHost };

function problems(raw: unknown): string[] {
  try {
    validateConfig(raw, 'cluster.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('config was accepted');
}

describe('cluster.yaml validation', () => {
  it('accepts examples/cluster.yaml and fills the defaults', () => {
    const config = loadConfig(join(root, 'examples', 'cluster.yaml'));
    assert.equal(config.cluster.name, 'homelab');
    assert.equal(config.nodes[1].ssh.port, 22);
    assert.equal(config.nodes[1].ssh.user, 'root');
    assert.deepEqual(config.approvals.steps, ['create', 'join', 'qdevice', 'ha', 'failover']);
    assert.equal(config.cluster.task_queue, 'pve-twonode');
    assert.deepEqual(config.notify, {
      webhook: { url: 'http://homeassistant.local:8123/api/webhook/pve-twonode' },
      ntfy: { url: 'https://ntfy.sh/my-homelab-alerts', token: { env: 'NTFY_TOKEN' } },
      remind: '6h',
      unknown_after: '2m',
    });
  });

  it('a site task queue and the notify section are checked like the rest', () => {
    const found = problems(rawTestConfig({ cluster: { name: 'homelab', task_queue: 'site b' }, notify: { remind: '6h' } }));
    assert.deepEqual(
      found.map((p) => p.split(':')[0]),
      ['cluster.task_queue', 'notify'],
      found.join('\n'),
    );
    assert.match(found[0], /e\.g\. pve-twonode-site-b/);
    assert.match(found[1], /webhook or ntfy/);
  });

  it('lists every bad field at once, each with its path and a good example', () => {
    const raw = rawTestConfig({ cluster: { name: '-my_cluster-too-long' } }) as RawHosts;
    raw.nodes[1].ip = 'proxmox2.home.lan';
    raw.qdevice.ssh.host_key = 'ecdsa-sha2-nistp256 AAAA';
    raw.ha = { resources: [{ sid: 'vm:99' }] };
    const found = problems(raw);
    assert.deepEqual(
      new Set(found.map((p) => p.split(':')[0])),
      new Set(['cluster.name', 'nodes[1].ip', 'qdevice.ssh.host_key', 'ha.resources[0].sid']),
      found.join('\n'),
    );
    assert.equal(found.filter((p) => p.startsWith('cluster.name:')).length, 2, 'too long and a bad character: both said');
    assert.match(found.find((p) => p.startsWith('cluster.name:')) ?? '', /e\.g\. homelab/);
    assert.match(found.find((p) => p.startsWith('nodes[1].ip:')) ?? '', /IPv4 address, e\.g\. 192\.168\.1\.11/);
    assert.match(found.find((p) => p.startsWith('qdevice.ssh.host_key:')) ?? '', /SHA256:/);
    assert.match(found.find((p) => p.startsWith('ha.resources[0].sid:')) ?? '', /VMIDs start at 100/);
  });

  it('refuses a secret value where a reference belongs', () => {
    const raw = rawTestConfig({ join: { method: 'api', password: 'hunter2', fingerprint: Array(32).fill('AB').join(':') } });
    const [problem] = problems(raw);
    assert.match(problem, /^join\.password: secret values are not allowed.*\{ env: PVE_ROOT_PASSWORD \}/);
  });

  it('refuses unknown keys, naming them', () => {
    const raw = rawTestConfig({ clustre: { name: 'x' } });
    assert.deepEqual(problems(raw), ['(top level): unknown key(s) "clustre"; remove them or check the spelling against examples/cluster.yaml']);
  });

  it('checks names across the file: duplicate IPs, unknown preferred node, failover without HA', () => {
    const raw = rawTestConfig({ ha: { resources: [{ sid: 'vm:100', preferred_node: 'proxmox3' }] } }) as RawHosts;
    raw.qdevice.ip = raw.nodes[0].ip;
    const found = problems(raw);
    assert.ok(found.includes('qdevice.ip: the three hosts need three different IPs'), found.join('\n'));
    assert.ok(found.includes('ha.resources[0].preferred_node: must be one of the nodes: proxmox1, proxmox2'), found.join('\n'));
    assert.deepEqual(problems(rawTestConfig({ ha: { resources: [] } })), [
      'failover.enabled: the failover test needs at least one ha.resources entry to watch',
    ]);
  });

  it('reports YAML syntax errors as config errors', () => {
    assert.throws(
      () => parseConfigText('cluster: [unclosed', 'bad.yaml'),
      (err: unknown) => err instanceof ConfigError && /YAML syntax/.test(err.message),
    );
  });

  it('keeps schema/cluster.schema.json in step with the zod schema (npm run schema)', () => {
    assert.equal(readFileSync(join(root, 'schema', 'cluster.schema.json'), 'utf8'), clusterJsonSchema());
  });
});
