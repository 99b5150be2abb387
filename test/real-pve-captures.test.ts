/**
 * The code's readings of what the real Proxmox VE code printed (test/fixtures/real-pve-3, verbatim captures of real
 * pmxcfs, pvecm, pveproxy/pvedaemon, corosync tools): each defect those runs found, pinned by its capture.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { joinFailure } from '../src/parsers/pvecm-add';
import { parsePveMembers } from '../src/parsers/pve-members';
import { parsePvecmStatus } from '../src/parsers/pvecm-status';
import { qdeviceProblems } from '../src/step-kit/cluster-state';
import { knowsServerKeys } from '../src/step-kit/root-trust';
import { rawTestConfig, testConfig } from './helpers/config';

const dir = join(__dirname, 'fixtures', 'real-pve-3');
const read = (name: string) => readFileSync(join(dir, name), 'utf8');
const add = (name: string) => ({ stdout: read(`${name}.out`), stderr: read(`${name}.err`), rc: Number(read(`${name}.rc`)) });
/** status-*.out carry stdout+stderr and end with "rc=N". */
const status = (name: string) => parsePvecmStatus(read(`status-${name}.out`).replace(/\nrc=\d+\n?$/, '\n'));

describe('real pvecm add: every failure text fails the join at once, with pvecm own words', () => {
  const cases: [string, RegExp, RegExp][] = [
    ['add-notrust', /^unable to copy ssh ID: exit code 1$/, /join-prereqs/],
    ['add-api-no-pveproxy', /Can't connect to 10\.213\.9\.11:8006 \(Connection refused\)/, /pveproxy must run on node 1/],
    ['add-api-wrongpw', /authentication failure/, /join\.password/],
    ['add-api-wrongfp', /^fingerprint 'CC:CD:F3:.*:55:EF' not verified, abort!$/, /fingerprint CC:CD:F3:.*:55:EF, not join\.fingerprint/],
    ['add-api-nocluster', /^An error occurred on the cluster node: invalid corosync\.conf$/, /node 1 is not in a cluster/],
    ['add-api-right-after-create', /cluster not ready - no quorum\?/, /pmxcfs\) has no quorum/],
  ];
  for (const [name, said, fix] of cases)
    it(name, () => {
      const { stdout, stderr, rc } = add(name);
      assert.equal(rc, 0, 'real pvecm add exits 0 after each of these failures');
      const failure = joinFailure(stdout, stderr);
      assert.ok(failure, `${name} not recognised`);
      assert.match(failure.said, said);
      assert.match(failure.fix, fix);
    });

  it('add-ssh-no-rsync: rsync missing on node 2, and node 1 may list it now', () => {
    const failure = joinFailure(read('add-ssh-no-rsync.out-and-err.txt'), '');
    assert.ok(failure);
    assert.equal(failure.said, "can't rsync data from host '10.213.9.11'");
    assert.match(failure.fix, /rsync is not installed on node 2/);
    assert.match(failure.fix, /create step takes it out/);
  });

  it('only the no-quorum refusal right after create is tried again; a successful join is no failure', () => {
    assert.equal(joinFailure(add('add-api-right-after-create').stdout, add('add-api-right-after-create').stderr)?.transient, true);
    assert.equal(joinFailure(add('add-api-wrongpw').stdout, add('add-api-wrongpw').stderr)?.transient, undefined);
    assert.equal(joinFailure(add('add-api').stdout, add('add-api').stderr), null);
  });
});

describe("pmxcfs's own quorum (/etc/pve/.members)", () => {
  it('reads the cluster and its quorum, and a node in no cluster', () => {
    const members =
      '{\n"nodename": "pve1",\n"version": 3,\n"cluster": { "name": "labclu", "version": 1, "nodes": 1, "quorate": 1 },\n"nodelist": {\n  "pve1": { "id": 1, "online": 1, "ip": "10.213.7.11"}\n  }\n}\n';
    assert.deepEqual(parsePveMembers(members), { clusterName: 'labclu', quorate: true, online: ['pve1'] });
    assert.deepEqual(parsePveMembers(members.replace('"quorate": 1', '"quorate": 0').replace('"online": 1', '"online": 0')), {
      clusterName: 'labclu',
      quorate: false,
      online: [],
    });
    assert.deepEqual(parsePveMembers('{\n"nodename": "pve1",\n"version": 0\n}\n'), { clusterName: null, quorate: false, online: [] });
    assert.equal(parsePveMembers(''), null);
  });
});

describe('the QDevice problems named from real status outputs', () => {
  // The captures' cluster: nodes rp1 and rp2.
  const nodes = (rawTestConfig().nodes as Record<string, unknown>[]).map((n, i) => ({ ...n, name: `rp${i + 1}`, ip: `10.213.9.1${i + 1}` }));
  const config = testConfig({ nodes, ha: { resources: [{ sid: 'vm:100', preferred_node: 'rp1' }] } });
  it('a 2-node cluster without a QDevice is not called an expected-votes override', () => {
    const problems = qdeviceProblems(config, status('rp1-2n'));
    assert.ok(!problems.some((p) => /override/.test(p)), problems.join(' | '));
    assert.ok(
      problems.some((p) => /no QDevice is registered/.test(p)),
      problems.join(' | '),
    );
  });
  it('the healthy QDevice after a re-setup has no problem', () => {
    assert.deepEqual(qdeviceProblems(config, status('rp1-after-resetup')), []);
  });
});

describe("known_hosts after OpenSSH's UpdateHostKeys (a real node's client learns the VM's other keys)", () => {
  const ed = 'ssh-ed25519 AAAAC3Nza-pinned';
  const rsa = 'ssh-rsa AAAAB3Nza-rsa';
  const ecdsa = 'ecdsa-sha2-nistp256 AAAAE2Vj-ecdsa';
  const server = [rsa, ecdsa, ed];
  const hashed = (key: string) => `|1|salt=|hash= ${key}`;
  it('the pinned key plus the server own other keys: known (was: work left on every run)', () => {
    assert.equal(knowsServerKeys([`10.213.9.13 ${ed}`, hashed(rsa), hashed(ecdsa)], ed, server), true);
  });
  it('no pinned key, or a key the server does not have (stale, a reinstalled VM): not known', () => {
    assert.equal(knowsServerKeys([hashed(rsa)], ed, server), false);
    assert.equal(knowsServerKeys([`10.213.9.13 ${ed}`, '10.213.9.13 ssh-ed25519 AAAA-old'], ed, server), false);
    assert.equal(knowsServerKeys([], ed, server), false);
  });
});
