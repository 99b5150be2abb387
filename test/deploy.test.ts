/** The systemd unit a homelab owner installs for the worker: systemd accepts it, it restarts on failure, and no secret sits in it or its environment file. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';

const dir = join(__dirname, '..', 'deploy');
const unit = join(dir, 'pve-twonode-worker.service');
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

it('systemd-analyze verify has nothing to say about the unit', { skip: hasSystemdAnalyze ? false : 'systemd-analyze is not installed' }, () => {
  const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
  // verify exits 0 on many mistakes (a misspelt Restart= value only prints a warning): any output is a finding.
  assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'systemd-analyze verify output');
  assert.equal(r.status, 0);
});

it('restarts on failure, stops with SIGINT after the command in flight, reads its settings from the environment file', () => {
  const text = readFileSync(unit, 'utf8');
  for (const line of [
    'Restart=on-failure',
    'KillSignal=SIGINT',
    'EnvironmentFile=/etc/pve-twonode/worker.env',
    'ExecStart=/usr/bin/node /opt/pve-twonode/dist/cli/main.js worker',
  ])
    assert.ok(text.split('\n').includes(line), line);
});

it('the environment file holds connection settings and references, no secret values', () => {
  const active = readFileSync(join(dir, 'worker.env'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'));
  assert.deepEqual(
    active.map((l) => l.split('=')[0]),
    ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE'],
  );
});
