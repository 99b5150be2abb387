/** Generated documentation and help texts come from the lists the code uses, and stay in step with them. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { LAB_FAULTS } from '../cli/lab';
import { configReference, stepsDoc } from '../scripts/write-docs';

const root = join(__dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

it('docs/steps.md is the step table the registry gives (npm run docs writes it)', () => {
  assert.equal(read('docs/steps.md'), stepsDoc());
});

it('docs/config-reference.md lists every key the schema has (npm run docs writes it)', () => {
  assert.equal(read('docs/config-reference.md'), configReference());
});

it("lab fault's help names exactly the faults lab/lab.sh knows", () => {
  const script = read('lab/lab.sh');
  const body = script.slice(script.indexOf('cmd_fault() {'), script.indexOf('\n}\n', script.indexOf('cmd_fault() {')));
  const inScript = [...body.matchAll(/^ {4}([a-z][a-z-]*)\)/gm)].map((m) => m[1]);
  assert.deepEqual(Object.keys(LAB_FAULTS).sort(), inScript.sort());
});

it('the README stays short and links into docs/', () => {
  const readme = read('README.md');
  assert.ok(readme.split('\n').length <= 150, `README.md has ${readme.split('\n').length} lines`);
  for (const doc of ['steps', 'operations', 'config', 'architecture', 'lab', 'testing', 'performance', 'workflow-versions'])
    assert.ok(readme.includes(`(docs/${doc}.md`), `README.md links docs/${doc}.md`);
});
