/**
 * Hostile and broken cluster.yaml files, one class of mistake each: every one refused by validation with the field's
 * path and a good example, and the YAML parser's resource limits reported as config errors (exit 2 from the CLI, no
 * stack trace, no host contacted: the CLI's validate never opens a connection).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EXIT } from '../cli/errors';
import { ConfigError, parseConfigText, validateConfig } from '../src/config/load';
import { calendarEventProblem } from '../src/config/calendar-event';
import { rawTestConfig } from './helpers/config';
import { cliWithEnv, exited } from '../lab/driver/processes';

type Raw = Record<string, unknown> & { nodes: { ip: string; ssh: Record<string, unknown> }[]; qdevice: { ip: string; ssh: Record<string, unknown> } };

function problemsOf(raw: unknown): string[] {
  try {
    validateConfig(raw, 'cluster.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  return [];
}

const edit = (change: (raw: Raw) => void) => {
  const raw = rawTestConfig() as Raw;
  change(raw);
  return raw;
};

/** [what, the config, the field path the error must name, what it must say] */
const CASES: [string, unknown, string, RegExp][] = [
  ['an NTP server with a newline', rawTestConfig({ ntp: { servers: ['pool.ntp.org\nFallbackNTP=evil.example'] } }), 'ntp.servers[0]', /one host name or IP/],
  ['an NTP server with spaces', rawTestConfig({ ntp: { servers: ['0.pool.ntp.org 1.pool.ntp.org'] } }), 'ntp.servers[0]', /e\.g\. 0\.cz\.pool\.ntp\.org/],
  ['an NTP server with a shell character', rawTestConfig({ ntp: { servers: ['pool.ntp.org;reboot'] } }), 'ntp.servers[0]', /one host name or IP/],
  ['an empty NTP server', rawTestConfig({ ntp: { servers: [''] } }), 'ntp.servers[0]', /one host name or IP/],
  ['an SSH user other than root', edit((r) => (r.nodes[0].ssh.user = 'admin')), 'nodes[0].ssh.user', /must be root .*no sudo mode/],
  ['an SSH user with spaces and semicolons', edit((r) => (r.qdevice.ssh.user = 'root; rm -rf /')), 'qdevice.ssh.user', /must be root/],
  ['a node IP on loopback', edit((r) => (r.nodes[1].ip = '127.0.0.2')), 'nodes[1].ip', /loopback/],
  ['the VM on 0.0.0.0', edit((r) => (r.qdevice.ip = '0.0.0.0')), 'qdevice.ip', /not a host address/],
  ['a link-local node IP', edit((r) => (r.nodes[0].ip = '169.254.10.3')), 'nodes[0].ip', /link-local/],
  ['a multicast VM IP', edit((r) => (r.qdevice.ip = '239.192.0.1')), 'qdevice.ip', /multicast/],
  ['the broadcast address', edit((r) => (r.qdevice.ip = '255.255.255.255')), 'qdevice.ip', /multicast or reserved/],
  [
    'a replication schedule in cron syntax',
    rawTestConfig({ replication: { schedule: '*/15 * * * *', jobs: [{ guest: 100, target: 'proxmox2' }] } }),
    'replication.schedule',
    /not a Proxmox calendar event.*left over/,
  ],
  [
    'a replication schedule with an hour of 25',
    rawTestConfig({ replication: { schedule: 'mon..fri 25:00', jobs: [{ guest: 100, target: 'proxmox2' }] } }),
    'replication.schedule',
    /hour must be 0 to 23/,
  ],
  [
    'a replication schedule with a zero step',
    rawTestConfig({ replication: { schedule: '*/0', jobs: [{ guest: 100, target: 'proxmox2' }] } }),
    'replication.schedule',
    /step must be above 0/,
  ],
  [
    'a replication schedule naming a day that does not exist',
    rawTestConfig({ replication: { schedule: 'funday 22:00', jobs: [{ guest: 100, target: 'proxmox2' }] } }),
    'replication.schedule',
    /calendar event/,
  ],
  ['a zero failover down time', rawTestConfig({ failover: { enabled: true, down_for: '0s' } }), 'failover.down_for', /from 1s to 1h/],
  ['a zero recovery timeout', rawTestConfig({ failover: { enabled: true, recovery_timeout: '0m' } }), 'failover.recovery_timeout', /from 10s to 2h/],
  ['a week-long failover down time', rawTestConfig({ failover: { enabled: true, down_for: '7d' } }), 'failover.down_for', /from 1s to 1h/],
  ['a zero approval timeout', rawTestConfig({ approvals: { timeout: '0s' } }), 'approvals.timeout', /from 1m to 365d/],
  ['a zero reminder interval', rawTestConfig({ notify: { webhook: { url: 'http://127.0.0.1:9/hook' }, remind: '0h' } }), 'notify.remind', /from 1m to 30d/],
  [
    'a negative-looking duration',
    rawTestConfig({ notify: { webhook: { url: 'http://127.0.0.1:9/hook' }, unknown_after: '-5m' } }),
    'notify.unknown_after',
    /duration like 30s/,
  ],
];

describe('hostile cluster.yaml: every class refused before a host is touched', () => {
  for (const [what, raw, path, says] of CASES)
    it(`refuses ${what}`, () => {
      const found = problemsOf(raw);
      const problem = found.find((p) => p.startsWith(`${path}:`));
      assert.ok(problem, `no problem named ${path}: ${found.join(' | ') || 'accepted'}`);
      assert.match(problem, says);
    });

  it('still accepts the good neighbours of each class', () => {
    const good = rawTestConfig({
      ntp: { servers: ['0.cz.pool.ntp.org', '192.168.1.1', 'fd00::1', 'ntp'] },
      replication: { schedule: 'mon..fri 22:00', jobs: [{ guest: 100, target: 'proxmox2' }] },
      failover: { enabled: true, down_for: '30s', recovery_timeout: '10m' },
      approvals: { timeout: '1d' },
    });
    assert.deepEqual(problemsOf(good), []);
    for (const schedule of ['*/15', 'hourly', 'sat 02:30', 'mon,wed,fri 8:00', '*-*-01 03:00', '2026-12-24 18:00:30', 'mon..fri *:00/30', 'sun'])
      assert.equal(calendarEventProblem(schedule), null, schedule);
  });

  const dir = mkdtempSync(join(tmpdir(), 'pve-twonode-hostile-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const laughs = [
    'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
    ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`),
  ];
  const YAML: [string, string, RegExp][] = [
    ['a YAML alias bomb', laughs.join('\n'), /aliases expand too far/],
    ['nesting thousands of levels deep', `x: ${'['.repeat(5000)}${']'.repeat(5000)}`, /YAML/],
    ['nesting 40 levels deep', `x: ${'{a: '.repeat(40)}1${'}'.repeat(40)}`, /nested more than 16 levels/],
    ['a file of 300 KB', `# ${'x'.repeat(300 * 1024)}\n`, /more than 262144: a cluster\.yaml is a few KB/],
  ];
  for (const [what, text, says] of YAML)
    it(`reports ${what} as a config error`, () =>
      assert.throws(
        () => parseConfigText(text, 'bad.yaml'),
        (err: unknown) => err instanceof ConfigError && says.test(err.message),
      ));

  it('the CLI: exit 2, one problem per line, no stack trace, for the alias bomb and a bad NTP server', async () => {
    const bomb = join(dir, 'bomb.yaml');
    writeFileSync(bomb, laughs.join('\n'));
    const ntp = join(dir, 'ntp.yaml');
    writeFileSync(ntp, JSON.stringify(rawTestConfig({ ntp: { servers: ['pool.ntp.org\nFallbackNTP=evil.example'] } })));
    for (const file of [bomb, ntp]) {
      const run = cliWithEnv({}, 'validate', file);
      assert.equal(await exited(run), EXIT.usage, run.output());
      assert.doesNotMatch(run.output(), /\n\s+at |ReferenceError|RangeError/);
    }
  });
});
