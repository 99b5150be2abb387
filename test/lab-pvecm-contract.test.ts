/**
 * The lab is faithful to a real rig: every transcript captured from the real pvecm on real hosts
 * (test/fixtures/real-pvecm/) is replayed on a fresh lab, whose nodes run the same real pvecm and pmxcfs over SSH
 * without a TTY, and stdout, stderr and the exit code must match, names, IPs, dates and key material aside. A
 * difference is the lab's (its systemd stand-in, a fresh node's state), never pvecm's. The cases run in the order a
 * person would hit them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_DIR, inHost, lab, labUnavailable, runOverSsh } from './helpers/lab';
import { realPvecm as fixture, type Transcript } from './helpers/real-pvecm';

const [PVE1, PVE2, QNETD] = ['10.213.7.11', '10.213.7.12', '10.213.7.13'];

/** The real capture's names and addresses become the lab's; what differs on every run is masked on both sides. */
function normalize(text: string): string {
  return (
    text
      .replace(/\brp1\b/g, 'pve1')
      .replace(/\brp2\b/g, 'pve2')
      .replace(/\brq\b/g, 'qnetd')
      .replace(/testclu/g, 'labclu')
      .replace(/10\.213\.9\./g, '10.213.7.')
      .replace(/^(Date:\s+).*$/gm, '$1<date>')
      .replace(/^(Ring ID:\s+).*$/gm, '$1<ring>')
      .replace(/config-\d+\.sql\.gz/g, 'config-<epoch>.sql.gz')
      // Newer OpenSSH clients end their own error lines with \r\n; pvecm passes them through either way.
      .replace(/\r\n/g, '\n')
  );
}

function assertMatches(name: string, actual: Transcript): void {
  const want = fixture(name);
  const got = { code: actual.code, stdout: normalize(actual.stdout), stderr: normalize(actual.stderr) };
  assert.deepEqual(
    got,
    { code: want.code, stdout: normalize(want.stdout), stderr: normalize(want.stderr) },
    `pvecm in the lab differs from the real rig's transcript ${name}.txt`,
  );
}

const password = () => `${readFileSync(join(LAB_DIR, 'keys', 'pve1-root-password'), 'utf8').trim()}\n`;
const apiFingerprint = () => /fingerprint: (\S+)/.exec(readFileSync(join(LAB_DIR, 'cluster.yaml'), 'utf8'))![1];

describe("the lab's real pvecm against the transcripts of a real rig", { skip: labUnavailable() }, () => {
  before(() => {
    lab('down');
    lab('up');
    // What the guide's hosts step does: each name resolves to its node's address, not 127.0.1.1.
    for (const h of ['pve1', 'pve2']) inHost(h, `printf '127.0.0.1 localhost\\n${PVE1} pve1\\n${PVE2} pve2\\n' > /etc/hosts`);
  });
  after(() => void lab('down'));

  it('create, and create twice', () => {
    assertMatches('create', runOverSsh(PVE1, 'pvecm create labclu'));
    assertMatches('create-twice', runOverSsh(PVE1, 'pvecm create labclu'));
  });

  it('status without a cluster exits 2 with the config error', () => {
    const r = runOverSsh(PVE2, 'pvecm status');
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "Error: Corosync config '/etc/pve/corosync.conf' does not exist - is this node part of a cluster?\n");
  });

  it('failed joins exit 0: a guest on node 2, an empty stdin, no API, a fresh node over SSH', () => {
    lab('fault', 'pve2', 'guest', 'on');
    assertMatches('add-use-ssh-guest', runOverSsh(PVE2, `cd / && pvecm add ${PVE1} --use_ssh 1`));
    assertMatches('add-api-empty-stdin', runOverSsh(PVE2, `cd / && pvecm add ${PVE1} --fingerprint ${apiFingerprint()} </dev/null`));
    lab('fault', 'pve2', 'guest', 'off');
    inHost('pve1', 'systemctl stop pveproxy');
    assertMatches('add-api-unreachable', runOverSsh(PVE2, `cd / && pvecm add ${PVE1} --fingerprint ${apiFingerprint()}`, password()));
    inHost('pve1', 'systemctl start pveproxy');
    assertMatches('add-use-ssh-fresh', runOverSsh(PVE2, `cd / && pvecm add ${PVE1} --use_ssh 1`));
  });

  it('join over SSH once node 1 trusts node 2, then a 2-node status', () => {
    // The trust the guide's join-prereqs step creates (tested there); set by hand here to test pvecm alone.
    const key = inHost('pve2', 'cat /root/.ssh/id_rsa.pub').trim();
    inHost('pve1', `echo '${key}' >> /root/.ssh/authorized_keys`);
    const hostKey = inHost('pve1', "cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub").trim();
    inHost('pve2', `echo '${PVE1} ${hostKey}' >> /root/.ssh/known_hosts`);
    assertMatches('add-use-ssh-trusted', runOverSsh(PVE2, `cd / && pvecm add ${PVE1} --use_ssh 1`));
    assertMatches('status-2-nodes', runOverSsh(PVE1, 'pvecm status'));
  });

  it('qdevice setup: a host name, an untrusted VM, corosync-qdevice missing on node 2, the rerun', () => {
    assertMatches('qdevice-setup-hostname', runOverSsh(PVE1, 'pvecm qdevice setup qnetd'));
    inHost('qnetd', 'apt-get install -y corosync-qnetd >/dev/null');
    inHost('pve1', 'apt-get install -y corosync-qdevice >/dev/null');
    assertMatches('qdevice-setup-untrusted', runOverSsh(PVE1, `pvecm qdevice setup ${QNETD}`));
    // What the guide's qdevice-prereqs step does for node 1 (tested there).
    const key = inHost('pve1', 'cat /root/.ssh/id_rsa.pub').trim();
    inHost('qnetd', `echo '${key}' >> /root/.ssh/authorized_keys`);
    const hostKey = inHost('qnetd', "cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub").trim();
    inHost('pve1', `echo '${QNETD} ${hostKey}' >> /root/.ssh/known_hosts`);
    assertMatches('qdevice-setup-missing-on-node2', runOverSsh(PVE1, `pvecm qdevice setup ${QNETD}`));
    assert.equal(
      inHost('pve1', 'ls /etc/pve/qdevice-net-node.p12 /etc/corosync/qdevice/net/nssdb >/dev/null && echo left').trim(),
      'left',
      'the half-finished run leaves its certificate store',
    );
    assertMatches('qdevice-setup-rerun-half-finished', runOverSsh(PVE1, `pvecm qdevice setup ${QNETD}`));
  });

  it('qdevice setup --force after the fix, status with the QDevice, a second setup refused, remove, a clean setup', () => {
    inHost('pve2', 'apt-get install -y corosync-qdevice >/dev/null');
    const forced = runOverSsh(PVE1, `pvecm qdevice setup ${QNETD} --force`);
    const clean = fixture('qdevice-setup-clean');
    assert.deepEqual({ code: forced.code, stdout: normalize(forced.stdout) }, { code: clean.code, stdout: normalize(clean.stdout) });
    // qdevice setup returns before the daemons have voted (on real nodes too); the capture was taken once they had.
    let status = runOverSsh(PVE1, 'pvecm status');
    for (const deadline = Date.now() + 30_000; !status.stdout.includes('Total votes:      3') && Date.now() < deadline;) {
      execFileSync('sleep', ['0.5']);
      status = runOverSsh(PVE1, 'pvecm status');
    }
    assertMatches('status-qdevice', status);
    assertMatches('qdevice-setup-already-configured', runOverSsh(PVE1, `pvecm qdevice setup ${QNETD}`));
    assertMatches('qdevice-remove', runOverSsh(PVE1, 'pvecm qdevice remove'));
    assertMatches('qdevice-setup-clean', runOverSsh(PVE1, `pvecm qdevice setup ${QNETD}`));
  });
});
