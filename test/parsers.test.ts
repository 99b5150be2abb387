/** Parsers against the verbatim outputs of docs/proxmox-contract.md and a few of our own (lab captures, edge cases). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseHaManagerStatus, parsePveversion, parsePvecmStatus, parseTimedatectlShow } from '../src';
import { parseCorosyncConf } from '../src/parsers/corosync-conf';
import { joinFailure } from '../src/parsers/pvecm-add';
import { parseQnetdList, votesFor } from '../src/parsers/qnetd-tool';
import { hasHealthyQdevice, qdeviceProblems } from '../src/step-kit/cluster-state';
import { testConfig } from './helpers/config';
import { realPvecm } from './helpers/real-pvecm';

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
    assert.deepEqual(
      s.members.map((m) => m.qdeviceFlags),
      ['A,V,NMW', 'A,V,NMW'],
    );
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
    assert.deepEqual(
      s.members.map((m) => [m.nodeId, m.name, m.local, m.qdeviceFlags]),
      [
        [1, 'pve1', true, 'A,V,NMW'],
        [2, 'pve2', false, 'A,V,NMW'],
      ],
    );
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
    for (const [name, members] of [
      ['pvecm-status-1node-pve9.txt', 1],
      ['pvecm-status-2node-pve8.txt', 2],
      ['quorumtool-lab-2node.txt', 2],
    ] as const)
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
    assert.deepEqual(
      s.services.map((x) => `${x.sid}@${x.node}=${x.state}`),
      ['ct:100@elsa=stopped', 'ct:102@elsa=started', 'vm:501@elsa=started'],
    );
  });

  it('reads a node without quorum, a dead lrm and an unreadable one', () => {
    const s = parseHaManagerStatus(
      [
        "quorum No quorum on node 'pve1'!",
        'lrm pve1 (old timestamp - dead?, Mon Nov 23 10:00:00 2026)',
        'lrm pve2 (unable to read lrm status)',
        'service vm:100 (pve1, fence)',
      ].join('\n'),
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

describe('joinFailure: the real pvecm add failures, whatever the exit code', () => {
  const cases: [string, string, RegExp][] = [
    ['add-use-ssh-fresh', 'unable to copy ssh ID: exit code 1', /join-prereqs/],
    ['add-use-ssh-guest', 'Check if node may join a cluster failed!', /this host already contains virtual guests/],
    ['add-api-empty-stdin', 'EOF while reading password', /join\.password/],
    ['add-api-unreachable', "Can't connect to 10.213.9.11:8006 (Connection refused)", /Connection refused.*pveproxy/],
  ];
  for (const [name, said, fix] of cases)
    it(`recognises ${name} (exit ${realPvecm(name).code})`, () => {
      const t = realPvecm(name);
      const failure = joinFailure(t.stdout, t.stderr);
      assert.equal(failure?.said, said);
      assert.match(failure.fix, fix);
    });

  it('recognises a host key failure and a refused password', () => {
    assert.match(joinFailure('', '/bin/ssh-copy-id: ERROR: Host key verification failed.\n')!.said, /Host key verification failed/);
    assert.match(joinFailure("Establishing API connection with host '10.0.0.1'\n", '401 authentication failure\n')!.fix, /root password/);
  });

  it('finds nothing wrong in a successful join', () => {
    const t = realPvecm('add-use-ssh-trusted');
    assert.equal(joinFailure(t.stdout, t.stderr), null);
  });
});

describe('parsers take every format seen in the field (test/fixtures/SOURCES.md)', () => {
  it('member names as IPs, the local mark on either row', () => {
    const s = parsePvecmStatus(fixture('pvecm-status-2node-ips-calotech.txt'));
    assert.deepEqual(
      s.members.map((m) => [m.name, m.local]),
      [
        ['192.168.10.201', true],
        ['192.168.10.202', false],
      ],
    );
  });

  it('qnetd stopped: A,NV,NMW on both members and a Qdevice row with 0 votes and "(votes 1)"', () => {
    const s = parsePvecmStatus(fixture('pvecm-status-qnetd-stopped-lab.txt'));
    assert.deepEqual(
      s.members.map((m) => m.qdeviceFlags),
      ['A,NV,NMW', 'A,NV,NMW'],
    );
    assert.deepEqual(s.qdevice, { votes: 0 });
    assert.deepEqual([s.expectedVotes, s.totalVotes, s.quorate], [3, 2, true]);
  });

  it('a node whose qdevice daemon is not registered shows NR', () => {
    const s = parsePvecmStatus(fixture('pvecm-status-qdevice-nr-lab.txt'));
    assert.deepEqual(
      s.members.map((m) => [m.name, m.qdeviceFlags]),
      [
        ['10.213.7.11', 'A,V,NMW'],
        ['10.213.7.12', 'NR'],
      ],
    );
  });

  it('every qdevice flag combination corosync-quorumtool prints', () => {
    const base = realPvecm('status-qdevice').stdout;
    for (const flags of ['A,V,NMW', 'NA,V,NMW', 'A,NV,NMW', 'NA,NV,NMW', 'A,V,MW', 'NA,NV,MW', 'NR']) {
      const s = parsePvecmStatus(base.replace(/A,V,NMW 10\.213\.9\.12/, `${flags.padStart(7)} 10.213.9.12`));
      assert.deepEqual([s.members[1].qdeviceFlags, s.members[1].name], [flags, '10.213.9.12'], flags);
    }
  });

  it('an empty or cut-off membership section is a report with no members, not an exception', () => {
    for (const name of ['pvecm-status-membership-empty.txt', 'pvecm-status-membership-cut.txt']) {
      const s = parsePvecmStatus(fixture(name));
      assert.deepEqual([s.quorate, s.totalVotes, s.members.length <= 1], [true, 3, true], name);
    }
    assert.deepEqual(parsePvecmStatus(fixture('pvecm-status-membership-empty.txt')).members, []);
  });

  it('ha-manager status: a bare master line, lrm status words old and new', () => {
    const bare = parseHaManagerStatus(fixture('ha-manager-status-master-bare.txt'));
    assert.deepEqual(bare.master, { node: 'pve1', status: '' });
    assert.deepEqual(
      bare.lrms.map((l) => l.status),
      ['idle', 'old timestamp - dead?'],
    );
    const drift = parseHaManagerStatus(fixture('ha-manager-status-drift.txt'));
    assert.deepEqual(
      drift.lrms.map((l) => l.status),
      ['detected time drift!', 'maintenance mode', 'unable to read lrm status'],
    );
    assert.deepEqual(drift.services, [{ sid: 'vm:100', node: 'pve1', state: 'started' }]);
  });
});

describe('corosync-qnetd-tool -l', () => {
  it("reads each cluster and each node's vote, with and without -v", () => {
    const real = parseQnetdList(fixture('qnetd-tool-lv.txt'));
    assert.deepEqual(
      real.map((c) => [c.name, c.algorithm, c.nodes.map((n) => [n.nodeId, n.clientAddress, n.vote, votesFor(n)])]),
      [
        [
          'krogan0',
          'Fifty-Fifty split',
          [
            [2, '::ffff:192.168.89.2:50028', 'ACK (ACK)', true],
            [1, '::ffff:192.168.89.1:41980', 'No change (ACK)', true],
          ],
        ],
      ],
    );
    const lab = parseQnetdList(fixture('qnetd-tool-list.txt'));
    assert.deepEqual(
      lab.map((c) => [c.name, c.nodes.map((n) => n.nodeId)]),
      [['labclu', [1, 2]]],
    );
    assert.deepEqual(parseQnetdList(''), [], 'no cluster connected: nothing listed');
    assert.equal(votesFor({ nodeId: 1, clientAddress: '', vote: 'NACK (NACK)' }), false);
  });
});

describe('corosync.conf', () => {
  it('reads the node list, the cluster name and the QDevice host as pvecm writes them', () => {
    const conf = parseCorosyncConf(fixture('corosync-conf-qdevice-lab.txt'));
    assert.deepEqual(conf, {
      clusterName: 'labclu',
      configVersion: 3,
      nodes: [
        { name: 'pve1', nodeid: 1, ring0Addr: '10.213.7.11', quorumVotes: 1 },
        { name: 'pve2', nodeid: 2, ring0Addr: '10.213.7.12', quorumVotes: 1 },
      ],
      qdeviceHost: '10.213.7.13',
    });
    const noDevice = parseCorosyncConf('nodelist {\n  node {\n    name: a # comment\n    nodeid: 1\n    ring0_addr: 192.0.2.1\n  }\n}\n');
    assert.deepEqual([noDevice.qdeviceHost, noDevice.clusterName, noDevice.nodes[0].name], [null, null, 'a']);
  });
});

describe('qdeviceProblems: why the third vote is not healthy, in words naming the node', () => {
  const config = testConfig({
    nodes: [
      { name: 'rp1', ip: '10.213.9.11', ssh: { host_key: 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8', auth: { key_file: '/k' } } },
      { name: 'rp2', ip: '10.213.9.12', ssh: { host_key: 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8', auth: { key_file: '/k' } } },
    ],
    ha: { resources: [{ sid: 'vm:100', preferred_node: 'rp1' }] },
  });
  const healthy = realPvecm('status-qdevice').stdout;

  it('none on a healthy cluster', () => {
    const s = parsePvecmStatus(healthy);
    assert.deepEqual([hasHealthyQdevice(s), qdeviceProblems(config, s)], [true, []]);
  });

  it('NR and NA name the node and the daemon', () => {
    const nr = parsePvecmStatus(healthy.replace(/A,V,NMW 10\.213\.9\.12/, '     NR 10.213.9.12'));
    assert.deepEqual(qdeviceProblems(config, nr), [
      'rp2 shows NR: corosync-qdevice is not registered there (not running, or unable to start: its certificate store /etc/corosync/qdevice/net/nssdb missing or wrong, as on a reinstalled node that rejoined, which only a remove and setup of the QDevice mends)',
    ]);
    const na = parsePvecmStatus(healthy.replace(/A,V,NMW 10\.213\.9\.12/, 'NA,NV,NMW 10.213.9.12'));
    assert.match(qdeviceProblems(config, na)[0], /^rp2 shows NA,NV,NMW: its corosync-qdevice daemon is not alive/);
  });

  it('an Expected votes below 3 is named as a pvecm expected override', () => {
    const low = parsePvecmStatus(healthy.replace(/Expected votes:\s+3/, 'Expected votes:   2').replace(/Total votes:\s+3/, 'Total votes:      2'));
    const problems = qdeviceProblems(config, low);
    assert.match(problems[0], /^Expected votes is 2, not 3: a `pvecm expected` override is in place/);
    assert.ok(problems.includes('only 2 of 3 votes'), problems.join(' | '));
  });
});
