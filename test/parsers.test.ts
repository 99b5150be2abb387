/** Parsers against the verbatim outputs of proxmox.md §3 and a few of our own (lab captures, edge cases). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseHaManagerStatus, parsePveversion, parsePvecmStatus, parseTimedatectlShow } from '../src';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

describe('parsePvecmStatus', () => {
  it('reads a 2-node PVE 9 cluster right after the join (no QDevice)', () => {
    assert.deepEqual(parsePvecmStatus(fixture('pvecm-status-2node-pve9.txt')), {
      cluster: { name: 'krnn', configVersion: 2, transport: 'knet', secureAuth: true },
      quorate: true,
      nodes: 2,
      nodeId: 2,
      ringId: '1.9',
      expectedVotes: 2,
      highestExpected: 2,
      totalVotes: 2,
      quorum: 2,
      activityBlocked: false,
      flags: ['Quorate'],
      members: [
        { nodeId: 1, votes: 1, qdeviceFlags: null, name: '192.168.202.121', local: false },
        { nodeId: 2, votes: 1, qdeviceFlags: null, name: '192.168.202.179', local: true },
      ],
      qdevice: null,
    });
  });

  it('reads the QDevice state the guide accepts (PVE 8 capture)', () => {
    const s = parsePvecmStatus(fixture('pvecm-status-qdevice-pve8.txt'));
    assert.equal(s.cluster?.name, 'pve-cluster');
    assert.deepEqual([s.expectedVotes, s.totalVotes, s.quorum], [3, 3, 2]);
    assert.deepEqual(s.flags, ['Quorate', 'Qdevice']);
    assert.deepEqual(s.members.map((m) => m.qdeviceFlags), ['A,V,NMW', 'A,V,NMW']);
    assert.deepEqual(s.qdevice, { votes: 1 });
  });

  it('reads a survivor that keeps quorum with 2 of 3 votes', () => {
    const s = parsePvecmStatus(fixture('pvecm-status-qdevice-node2-dead.txt'));
    assert.deepEqual([s.quorate, s.nodes, s.totalVotes, s.expectedVotes], [true, 1, 2, 3]);
    assert.equal(s.members.length, 1);
    assert.deepEqual(s.members[0], { nodeId: 1, votes: 1, qdeviceFlags: 'A,V,NMW', name: '192.168.1.11', local: true });
  });

  it('reads a blocked survivor: no quorum, the QDevice not voting', () => {
    const s = parsePvecmStatus(fixture('pvecm-status-qdevice-blocked.txt'));
    assert.equal(s.quorate, false);
    assert.equal(s.activityBlocked, true);
    assert.deepEqual(s.flags, ['Qdevice']);
    assert.equal(s.members[0].qdeviceFlags, 'NA,NV,NMW');
    assert.deepEqual(s.qdevice, { votes: 0 });
  });

  it('reads an empty Flags line and a lone node without QDevice', () => {
    const s = parsePvecmStatus(fixture('pvecm-status-2node-node1-dead.txt'));
    assert.deepEqual(s.flags, []);
    assert.equal(s.nodeId, 2);
    assert.equal(s.quorum, 2);
    assert.equal(s.activityBlocked, true);
  });

  it('reads plain corosync-quorumtool output: decimal ids, names, no cluster section', () => {
    const s = parsePvecmStatus(fixture('quorumtool-lab-qdevice.txt'));
    assert.equal(s.cluster, null);
    assert.equal(s.nodeId, 1);
    assert.deepEqual(s.members.map((m) => [m.nodeId, m.name, m.local, m.qdeviceFlags]), [
      [1, 'pve1', true, 'A,V,NMW'],
      [2, 'pve2', false, 'A,V,NMW'],
    ]);
    assert.deepEqual(s.qdevice, { votes: 1 });
    const blocked = parsePvecmStatus(fixture('quorumtool-lab-blocked.txt'));
    assert.equal(blocked.members[0].qdeviceFlags, 'A,NV,NMW');
    assert.deepEqual(blocked.qdevice, { votes: 0 });
  });

  it('reads early PVE 6 output (slash ring id, three nodes)', () => {
    const s = parsePvecmStatus(fixture('quorumtool-3node-pve6.txt'));
    assert.equal(s.ringId, '1/12');
    assert.equal(s.members.length, 3);
    assert.equal(s.members[0].name, '10.12.12.1');
  });

  it('reads every other capture without losing a member', () => {
    for (const [name, members] of [['pvecm-status-1node-pve9.txt', 1], ['pvecm-status-2node-pve8.txt', 2], ['quorumtool-lab-2node.txt', 2]] as const)
      assert.equal(parsePvecmStatus(fixture(name)).members.length, members, name);
  });

  it('refuses the "not part of a cluster" error instead of inventing a state', () => {
    assert.throws(() => parsePvecmStatus(fixture('pvecm-status-no-cluster.txt')), /not pvecm\/corosync-quorumtool status output/);
  });
});

describe('parseHaManagerStatus', () => {
  it('reads the pve-ha-manager >= 5.1.3 format (fencing line, watchdog field, CRS suffix)', () => {
    assert.deepEqual(parseHaManagerStatus(fixture('ha-manager-status-pve9.txt')), {
      quorumOk: true,
      master: { node: 'proxmox', status: 'active' },
      lrms: [
        { node: 'proxmox', status: 'idle' },
        { node: 'pve2', status: 'active' },
        { node: 'pve3', status: 'idle' },
      ],
      services: [{ sid: 'vm:200', node: 'pve2', state: 'stopped' }],
    });
  });

  it('reads the older format', () => {
    const s = parseHaManagerStatus(fixture('ha-manager-status-old.txt'));
    assert.equal(s.master?.node, 'elsa');
    assert.deepEqual(s.lrms, [{ node: 'elsa', status: 'active' }]);
    assert.deepEqual(s.services.map((x) => `${x.sid}@${x.node}=${x.state}`), ['ct:100@elsa=stopped', 'ct:102@elsa=started', 'vm:501@elsa=started']);
  });

  it('reads a node without quorum, a dead lrm and an unreadable one', () => {
    const s = parseHaManagerStatus(
      ["quorum No quorum on node 'pve1'!", 'lrm pve1 (old timestamp - dead?, Mon Nov 23 10:00:00 2026)', 'lrm pve2 (unable to read lrm status)', 'service vm:100 (pve1, fence)'].join('\n'),
    );
    assert.equal(s.quorumOk, false);
    assert.equal(s.master, null);
    assert.deepEqual(s.lrms, [
      { node: 'pve1', status: 'old timestamp - dead?' },
      { node: 'pve2', status: 'unable to read lrm status' },
    ]);
    assert.deepEqual(s.services, [{ sid: 'vm:100', node: 'pve1', state: 'fence' }]);
  });
});

describe('parseTimedatectlShow and parsePveversion', () => {
  it('reads NTP synchronisation', () => {
    assert.deepEqual(parseTimedatectlShow(fixture('timedatectl-show-synced.txt')), { ntp: true, ntpSynchronized: true, timezone: 'Europe/Prague' });
    assert.equal(parseTimedatectlShow(fixture('timedatectl-show-unsynced.txt')).ntpSynchronized, false);
  });

  it('reads PVE 8 and 9 versions and refuses other text', () => {
    assert.deepEqual(parsePveversion(fixture('pveversion-9.txt')), { version: '9.1.2', major: 9, kernel: '6.17.2-1-pve' });
    assert.equal(parsePveversion(fixture('pveversion-8.txt')).major, 8);
    assert.throws(() => parsePveversion('bash: pveversion: command not found'), /not pveversion output/);
  });
});
