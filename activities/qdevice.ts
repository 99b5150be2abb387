/** Step 7, qdevice: `pvecm qdevice setup <vm-ip>` on node1 (an IP, never a name: proxmox.md §0.3), verified by the third vote. */
import type { ClusterConfig } from '../src/config/schema';
import { sh } from '../src/ssh/quote';
import { on, type CommandSet } from '../src/steps/commands';
import { hasHealthyQdevice, readClusterStatus, summarize } from '../src/steps/cluster-state';
import { runStep } from '../src/steps/context';
import { postconditionFailed, preconditionFailed } from '../src/steps/failures';
import { alreadyDone, done, type StepResult } from '../src/steps/result';

const VOTES_TIMEOUT_MS = 90_000;

export function qdeviceCommands(config: ClusterConfig) {
  const node1 = config.nodes[0];
  const ip = config.qdevice.ip;
  return {
    status: on(node1, 'check', 'pvecm status'),
    configured: on(node1, 'check', "grep -Eq '^\\s*device\\s*\\{' /etc/pve/corosync.conf && echo configured"),
    leftoverNssdb: on(node1, 'check', 'test -d /etc/corosync/qdevice/net/nssdb && echo leftover'),
    setup: on(node1, 'act', sh`pvecm qdevice setup ${ip}`, { timeoutMs: 300_000 }),
    // A half-finished earlier setup leaves the nssdb; pvecm then insists on --force (proxmox.md §0.5).
    setupForce: on(node1, 'act', sh`pvecm qdevice setup ${ip} --force`, { timeoutMs: 300_000 }),
  } satisfies CommandSet;
}

export async function qdevice(config: ClusterConfig): Promise<StepResult> {
  return runStep(config, 'qdevice', async (ctx) => {
    const c = qdeviceCommands(config);
    const before = await readClusterStatus(ctx, c.status);
    if (hasHealthyQdevice(before)) return alreadyDone(`QDevice votes (${summarize(before)})`, { pvecmStatus: before });
    if ((await ctx.run(c.configured)).stdout.includes('configured')) {
      // A configured device that is not voting is not ours to redo: pvecm refuses a second setup.
      const settled = await ctx.waitFor('configured QDevice to vote', 30_000, async () => {
        const s = await readClusterStatus(ctx, c.status);
        return hasHealthyQdevice(s) ? s : undefined;
      });
      if (!settled)
        throw preconditionFailed(`a QDevice is configured on ${config.cluster.name} but not voting (${summarize(before)}); check corosync-qnetd on ${config.qdevice.name} and port 5403, or run 'pvecm qdevice remove' and retry`);
      return alreadyDone(`QDevice votes (${summarize(settled)})`, { pvecmStatus: settled });
    }
    const leftover = (await ctx.run(c.leftoverNssdb)).stdout.includes('leftover');
    const setup = await ctx.run(leftover ? c.setupForce : c.setup);
    const setupOutput = `${setup.stdout}\n${setup.stderr}`.trim().slice(-800);
    // A non-zero exit is a sure failure: check once instead of waiting for votes that cannot come.
    const status = await ctx.waitFor('3 of 3 votes with Qdevice', setup.code === 0 ? VOTES_TIMEOUT_MS : 0, async () => {
      const s = await readClusterStatus(ctx, c.status);
      return hasHealthyQdevice(s) ? s : undefined;
    });
    if (!status) {
      const now = await readClusterStatus(ctx, c.status);
      throw postconditionFailed(
        `after pvecm qdevice setup (exit ${setup.code}) the cluster shows ${summarize(now)}, not Expected 3 / Total 3 / Quorate Qdevice with both members A,V. Output: ${setupOutput}`,
        { pvecmStatus: now },
      );
    }
    return done(`QDevice on ${config.qdevice.ip} votes (${summarize(status)})`, { pvecmStatus: status });
  });
}
