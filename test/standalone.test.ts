/** The repository stands alone: nothing points outside it, and every relative link in the README and docs/ resolves. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { it } from 'node:test';

const root = join(__dirname, '..');
const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);

it('no tracked file points at the reading material kept outside the repository', () => {
  const outside = /\.\.\/shared|\/work\/shared|\b(?:proxmox|real-pvecm|temporal|style)\.md\b(?! in)/;
  // .ci/run is the one file allowed to name the shared folder: CI's machine keeps the Proxmox sources there.
  const hits = tracked
    .filter((f) => !f.startsWith('test/histories/') && f !== '.ci/run' && existsSync(join(root, f)))
    .flatMap((f) => {
      const lines = readFileSync(join(root, f), 'utf8').split('\n');
      return lines.flatMap((line, i) => (outside.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : []));
    });
  assert.deepEqual(hits, []);
});

it('every relative Markdown link in README.md and docs/ points at a file in the repository', () => {
  const docs = tracked.filter((f) => f === 'README.md' || (f.startsWith('docs/') && f.endsWith('.md')));
  const broken = docs.flatMap((doc) =>
    // Code spans are not links (a regex such as `^[a-z]([a-z-]*)$` looks like one).
    [
      ...readFileSync(join(root, doc), 'utf8')
        .replace(/`[^`\n]*`/g, '')
        .matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g),
    ]
      .map((m) => m[1])
      .filter((target) => !/^[a-z]+:/.test(target) && !existsSync(join(root, dirname(doc), target)))
      .map((target) => `${doc} -> ${target}`),
  );
  assert.deepEqual(broken, []);
});
