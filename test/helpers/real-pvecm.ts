/** The transcripts captured from the real pvecm (test/fixtures/real-pvecm/): command, exit code, stdout, stderr, verbatim. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface Transcript {
  code: number;
  stdout: string;
  stderr: string;
}

const DIR = join(__dirname, '..', 'fixtures', 'real-pvecm');

export const realPvecmCases = (): string[] => readdirSync(DIR).map((f) => f.replace(/\.txt$/, ''));

export function realPvecm(name: string): Transcript & { command: string } {
  const text = readFileSync(join(DIR, `${name}.txt`), 'utf8');
  const m = /^\$ (.*)\n# exit: (\d+)\n# stdout:\n([\s\S]*?)# stderr:\n([\s\S]*)$/m.exec(text);
  if (!m) throw new Error(`${name}.txt is not a transcript`);
  return { command: m[1], code: Number(m[2]), stdout: m[3], stderr: m[4] };
}
