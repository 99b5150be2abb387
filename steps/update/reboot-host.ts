/**
 * One host rebooted after its update, and back: SSH answering with the same pinned host key (the session pins it; a
 * changed key stops the run), a new boot id, the new kernel running; a node also a corosync member again with the
 * cluster on 3 of 3 votes; the VM serving the nodes' votes again (3 of 3). The boot id taken after the upgrade makes it
 * idempotent: a retried attempt that finds another boot id does not reboot again.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterConfig } from '../../src/config/schema';
import { durationMs } from '../../src/duration';
import { SshError } from '../../src/ssh/errors';
import { hasHealthyQdevice, readClusterStatus, summarize } from '../../src/step-kit/cluster-state';
import { defineStep, type StepContext } from '../../src/step-kit/descriptor';
import { postconditionFailed } from '../../src/step-kit/failures';
import { qdeviceCommands } from '../qdevice';
import { failoverCommands } from '../failover';
import { hostPackageCommands, parseKernelState, rebootPending } from './host-packages';

/** How long a host may take to come back before the update stops and asks (`update --reboot-timeout`). */
export const REBOOT_TIMEOUT = '15m';

/** A probe of a host that may be down: a lost connection is "not yet", a changed host key is the end. */
async function whileDown<T>(probe: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await probe();
  } catch (err) {
    if (err instanceof SshError && !err.retryable) throw err;
    if (err instanceof ApplicationFailure && err.nonRetryable) throw err;
    return undefined;
  }
}

export interface RebootState {
  /** Null when the host does not answer: it is down already (a reboot asked by an earlier attempt), not asked again. */
  bootId: string | null;
}

export function rebootHost(host: string, bootIdAfterUpgrade: string, timeout = REBOOT_TIMEOUT) {
  const timeoutMs = durationMs(timeout);
  return defineStep({
    name: 'reboot',
    activity: 'rebootHostStep',
    kind: 'cluster',
    acts: '`systemctl reboot`',
    verifiedBy: 'SSH with the pinned host key, a new boot id, no reboot pending; a node a member again and 3 of 3 votes; the VM voting again',
    gatedByDefault: false,
    health: 'none',
    hosts: () => [host],
    summary: () => `reboot ${host} and wait for it`,
    commands: (config) => {
      const { reboot, bootId, kernel } = hostPackageCommands(config, host);
      return [{ reboot, bootId, kernel }];
    },
    async check(ctx, config) {
      const bootId = (await whileDown(() => ctx.output(hostPackageCommands(config, host).bootId)))?.trim() ?? null;
      const state: RebootState = { bootId };
      return { done: bootId !== null && bootId !== bootIdAfterUpgrade, state };
    },
    async act(ctx, config, { bootId }: RebootState) {
      if (bootId === null) return { changes: [] };
      // systemd answers before the host goes down; the SSH session may still be cut first: either is a reboot asked.
      await whileDown(() => ctx.run(hostPackageCommands(config, host).reboot));
      return { changes: [`${host}: systemctl reboot`] };
    },
    async verify(ctx, config) {
      const c = hostPackageCommands(config, host);
      const booted = await ctx.waitFor(`${host} back from its reboot`, timeoutMs, () =>
        whileDown(async () => {
          const bootId = (await ctx.output(c.bootId)).trim();
          if (bootId === bootIdAfterUpgrade) return undefined;
          return parseKernelState(await ctx.output(c.kernel));
        }),
      );
      if (!booted) throw ApplicationFailure.nonRetryable(`${host} did not come back within ${timeout} of its reboot`, 'HostNotBack', { host });
      if (rebootPending(booted))
        throw postconditionFailed(`${host} is back but runs ${booted.running}, not ${booted.newest ?? 'the new kernel'}`, { kernel: booted });
      const votes = await backInCluster(ctx, config, host, timeoutMs);
      return { summary: `${host} back, running ${booted.running}; ${votes}`, facts: { kernel: booted } };
    },
  });
}

/** The host votes again: seen from the rebooted node itself (a member, 3 of 3), or for the VM from node 1. */
async function backInCluster(ctx: StepContext, config: ClusterConfig, host: string, timeoutMs: number): Promise<string> {
  const isNode = config.nodes.some((n) => n.name === host);
  const status = isNode ? failoverCommands(config, host).status : qdeviceCommands(config).status;
  const healthy = await ctx.waitFor(`${host} voting again (3 of 3)`, timeoutMs, () =>
    whileDown(async () => {
      const s = await readClusterStatus(ctx, status);
      return hasHealthyQdevice(s) ? s : undefined;
    }),
  );
  if (!healthy) throw postconditionFailed(`${host} is back but the cluster is not on 3 of 3 votes: ${summarize(await readClusterStatus(ctx, status))}`);
  return summarize(healthy);
}
