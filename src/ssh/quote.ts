/** POSIX shell quoting: every interpolated value in a host command goes through here. */

export function quote(value: string | number): string {
  const text = String(value);
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Tagged template for host commands: `sh\`pvecm create ${name}\`` quotes each value. */
export function sh(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce((out, part, i) => out + part + (i < values.length ? quote(values[i]) : ''), '');
}
