/** Step 4, join: `pvecm add` on the second node; exits 0 after a failed join (proxmox.md §0.1), so membership is the verdict. */
import type { ClusterConfig } from '../src/config/schema';
import type { PvecmStatus } from '../src/parsers/pvecm-status';
import { resolveSecret } from '../src/secrets';
import { sh } from '../src/ssh/quote';
import { on, type CommandSet } from '../src/steps/commands';
import { readClusterStatus, summarize } from '../src/steps/cluster-state';
import { runStep } from '../src/steps/context';
import { postconditionFailed, preconditionFailed } from '../src/steps/failures';
import { alreadyDone, done, type StepResult } from '../src/steps/result';

// pvecm add returns after its own "waiting for quorum...", so membership shows up soon after it if at all.
const MEMBERSHIP_TIMEOUT_MS = 30_000;

export function joinCommands(config: ClusterConfig) {
  const [node1, node2] = config.nodes;
  const { join } = config;
  return {
    node1Status: on(node1, 'check', 'pvecm status'),
    node2Status: on(node2, 'check', 'pvecm status'),
    // cd /: pvecm add refuses to run with its cwd inside /etc/pve.
    add:
      join.method === 'api'
        ? on(node2, 'act', sh`cd / && pvecm add ${node1.ip} --fingerprint ${join.fingerprint.toUpperCase()}`, { stdin: 'join.password (secret)', timeoutMs: 300_000 })
        : on(node2, 'act', sh`cd / && pvecm add ${node1.ip} --use_ssh 1`, { timeoutMs: 300_000 }),
  } satisfies CommandSet;
}

function joined(config: ClusterConfig, status: PvecmStatus | null): boolean {
  return status?.cluster?.name === config.cluster.name && status.quorate && status.members.length >= 2 && status.totalVotes >= 2;
}

export async function join(config: ClusterConfig): Promise<StepResult> {
  return runStep(config, 'join', async (ctx) => {
    const c = joinCommands(config);
    const [node1, node2] = config.nodes;
    const node2Before = await readClusterStatus(ctx, c.node2Status);
    if (node2Before?.cluster && node2Before.cluster.name !== config.cluster.name)
      throw preconditionFailed(`${node2.name} is in another cluster "${node2Before.cluster.name}"`);
    if (joined(config, node2Before) && joined(config, await readClusterStatus(ctx, c.node1Status)))
      return alreadyDone(`${node2.name} is a member of ${config.cluster.name} (${summarize(node2Before)})`, { pvecmStatus: node2Before });
    let addOutput = '(pvecm add not run: node already had the cluster config)';
    let addFailed = false;
    if (!node2Before) {
      // Read the secret only here, on the worker; it travels on stdin, never in argv or history.
      const password = config.join.method === 'api' ? `${resolveSecret(config.join.password)}\n` : undefined;
      const add = await ctx.run(c.add, password);
      addFailed = add.code !== 0;
      addOutput = `pvecm add exited ${add.code}: ${`${add.stdout}\n${add.stderr}`.trim().slice(-600)}`;
      ctx.heartbeat({ note: addOutput });
    }
    // A non-zero exit is a sure failure, so check once; exit 0 proves nothing (proxmox.md §0.1), so wait for membership.
    const waitMs = addFailed ? 0 : MEMBERSHIP_TIMEOUT_MS;
    const status = await ctx.waitFor(`${node2.name} in the membership`, waitMs, async () => {
      const s = await readClusterStatus(ctx, c.node1Status);
      return joined(config, s) ? s : undefined;
    });
    const node2After = await readClusterStatus(ctx, c.node2Status);
    if (!status || !joined(config, node2After)) {
      const node1After = status ?? (await readClusterStatus(ctx, c.node1Status));
      throw postconditionFailed(`join did not complete: ${node1.name} sees ${summarize(node1After)}, ${node2.name} sees ${summarize(node2After)}. ${addOutput}`);
    }
    return done(`${node2.name} joined ${config.cluster.name} (${summarize(status)})`, { pvecmStatus: status });
  });
}
