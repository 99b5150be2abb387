/** Parses `timedatectl show` (Key=value lines). */

export interface TimeStatus {
  ntp: boolean;
  ntpSynchronized: boolean;
  timezone: string | null;
}

export function parseTimedatectlShow(text: string): TimeStatus {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return {
    ntp: values.get('NTP') === 'yes',
    ntpSynchronized: values.get('NTPSynchronized') === 'yes',
    timezone: values.get('Timezone') ?? null,
  };
}
