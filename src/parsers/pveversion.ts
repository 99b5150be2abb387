/** Parses `pveversion` ("pve-manager/9.1.2/abcdef12 (running kernel: 6.17.2-1-pve)"). */
import { ParseError } from './fields';

export interface PveVersion {
  version: string;
  major: number;
  kernel: string | null;
}

const PVEVERSION = /pve-manager\/((\d+)\.\d+(?:\.\d+)?)\/\S+(?: \(running kernel: ([^)]+)\))?/;

export function parsePveversion(text: string): PveVersion {
  const m = PVEVERSION.exec(text);
  if (!m) throw new ParseError(`not pveversion output: ${text.trim() || '(empty)'}`);
  return { version: m[1], major: Number(m[2]), kernel: m[3] ?? null };
}
