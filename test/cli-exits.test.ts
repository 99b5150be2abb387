/**
 * Exit codes exactly as the README says, table-driven: every usage mistake exits 2 with one line naming it and the
 * valid values, before anything connects anywhere; a config path that is missing or a folder is one line, exit 2; no
 * stack trace in any of them. (TEMPORAL_ADDRESS points at a closed port: a case that reached the server would say so.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(__dirname, '..');
const example = 'examples/cluster.yaml';
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(root, 'cli', 'main.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' },
  });

const CASES: { args: string[]; said: RegExp }[] = [
  { args: ['frobnicate'], said: /^error: unknown command 'frobnicate'/ },
  {
    args: ['repair', 'frobnicate', example],
    said: /^error: command-argument value 'frobnicate' is invalid for argument 'what'\. Allowed choices are qdevice, move-qnetd\.$/,
  },
  {
    args: ['maintenance', example, 'pve1', 'sideways'],
    said: /^error: command-argument value 'sideways' is invalid for argument 'action'\. Allowed choices are on, off\.$/,
  },
  { args: ['reject', 'labclu', 'create'], said: /^error: required option '--reason <text>' not specified$/ },
  { args: ['validate'], said: /^error: missing required argument 'config'$/ },
  { args: ['validate', '/nonexistent/cluster.yaml'], said: /^invalid config \/nonexistent\/cluster\.yaml: no such file: give the path of your cluster\.yaml/ },
  { args: ['validate', 'examples'], said: /^invalid config examples: a folder, not a file/ },
  { args: ['plan', '/nonexistent/cluster.yaml'], said: /^invalid config \/nonexistent\/cluster\.yaml: no such file/ },
  { args: ['guard', example, '--every', '0s'], said: /^--every must be at least 5s .*not "0s"$/ },
  { args: ['guard', example, '--every', 'soon'], said: /^--every must be a duration like 30s, 1m or 1h, not "soon"$/ },
];

describe('usage mistakes: exit 2, one line, no stack', () => {
  for (const { args, said } of CASES)
    it(args.join(' '), () => {
      const r = cli(...args);
      assert.equal(r.status, 2, `${r.stdout}${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], said);
      assert.doesNotMatch(r.stderr, /^\s+at /m);
    });

  it('--help is no mistake: exit 0', () => {
    assert.equal(cli('--help').status, 0);
    assert.equal(cli('approve', '--help').status, 0);
  });
});
