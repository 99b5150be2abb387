/**
 * Whether a host stays silent: its address probed every 5 s for a while, and any answer with its pinned key is a sign
 * of life. Another key answering is not the host the cluster knew (a reinstall), so it does not count as alive.
 */
import { HostKeyMismatchError } from '../ssh/errors';
import type { HostCommand } from './commands';
import type { StepContext } from './descriptor';

const PROBE_EVERY_MS = 5_000;

export interface Silence {
  alive: boolean;
  probes: number;
  silentMs: number;
  /** The address answered with another host key. */
  answersWithNewKey: boolean;
}

export async function watchSilence(ctx: StepContext, probe: HostCommand, forMs: number): Promise<Silence> {
  const started = Date.now();
  let probes = 0;
  let answersWithNewKey = false;
  const alive = await ctx.waitFor(
    `${probe.host} silent for ${Math.round(forMs / 1000)} s`,
    forMs,
    async () => {
      probes++;
      try {
        await ctx.run(probe);
        return true;
      } catch (err) {
        answersWithNewKey ||= err instanceof HostKeyMismatchError;
        return undefined;
      }
    },
    { intervalMs: PROBE_EVERY_MS, seen: () => `${probes} probes, no answer` },
  );
  return { alive: alive === true, probes, silentMs: Date.now() - started, answersWithNewKey };
}
