/** "Key:   value" lines, the layout shared by pvecm, corosync-quorumtool and friends. */

export class ParseError extends Error {
  override name = 'ParseError';
}

// Keys stop at the first colon followed by spaces, so values such as times keep their colons.
const FIELD = /^([A-Za-z][A-Za-z ()]*?):\s+(.*?)\s*$/;

export function fieldsOf(lines: string[]): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of lines) {
    const m = FIELD.exec(line);
    if (m && !fields.has(m[1])) fields.set(m[1], m[2]);
  }
  return fields;
}

export function requiredField(fields: Map<string, string>, key: string): string {
  const value = fields.get(key);
  if (value === undefined) throw new ParseError(`missing field "${key}"`);
  return value;
}

export function intField(fields: Map<string, string>, key: string): number {
  const value = parseInt(requiredField(fields, key), 10);
  if (Number.isNaN(value)) throw new ParseError(`field "${key}" is not a number`);
  return value;
}
