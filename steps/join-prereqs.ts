/**
 * Before step 4, join-prereqs: what `pvecm add` needs from a freshly installed node 2, which fails without it yet exits 0.
 * API join: node 1's API answers on port 8006 from node 2 with the certificate join.fingerprint names.
 * SSH join: node 2's /root/.ssh/id_rsa authorised on node 1 and node 1's pinned host key in node 2's known_hosts
 * (pvecm runs ssh-copy-id without a TTY: "unable to copy ssh ID: exit code 1" otherwise).
 */
import type { ClusterConfig } from '../src/config/schema';
import { sh } from '../src/ssh/quote';
import { on, type CommandSet } from '../src/step-kit/commands';
import { defineStep, type StepContext } from '../src/step-kit/descriptor';
import { preconditionFailed } from '../src/step-kit/failures';
import { readClusterStatus } from '../src/step-kit/cluster-state';
import { joinCommands } from './join';
import { checkRootTrust, establishRootTrust, rootTrustCommands, rootTrustDone, verifyRootLogin, type RootTrustState } from '../src/step-kit/root-trust';
import { joinPrereqsPlan } from '../src/plan/guide';

const API_PORT = 8006;

export function joinApiCommands(config: ClusterConfig) {
  const [node1, node2] = config.nodes;
  const target = `${node1.ip}:${API_PORT}`;
  return {
    // The certificate's fingerprint as pvecm add compares it, or why nothing answered.
    apiFingerprint: on(
      node2,
      'check',
      sh`fp=$(timeout 10 openssl s_client -connect ${target} </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 2>/dev/null); ` +
        sh`if [ -n "$fp" ]; then echo "$fp"; else timeout 5 bash -c ${`exec 3<>/dev/tcp/${node1.ip}/${API_PORT}`} 2>&1 | tail -1; echo unreachable; fi`,
    ),
  } satisfies CommandSet;
}

export type JoinPrereqsState = { method: 'joined' } | { method: 'api'; fingerprint: string } | { method: 'use_ssh'; trust: RootTrustState };

/** The API answers on 8006 with the pinned certificate; anything else is for a person to fix. */
async function checkApi(ctx: StepContext, config: ClusterConfig): Promise<string> {
  const [node1, node2] = config.nodes;
  if (config.join.method !== 'api') throw new Error('checkApi needs join.method api');
  const out = (await ctx.run(joinApiCommands(config).apiFingerprint)).stdout.trim();
  const target = `${node1.ip}:${API_PORT}`;
  if (out.endsWith('unreachable')) {
    // bash says "bash: line 1: /dev/tcp/<ip>/8006: Connection refused"; the last part is the reason.
    const reason = out.split('\n')[0].split(': ').pop()!.trim();
    throw preconditionFailed(
      `${node2.name} cannot reach ${node1.name}'s API at ${target}${reason && reason !== 'unreachable' ? ` (${reason})` : ''}, so pvecm add would fail with "Can't connect to ${target}": start pveproxy on ${node1.name} and let ${node2.name} reach TCP ${API_PORT}, or set join.method: use_ssh`,
    );
  }
  const actual = out.split('=').pop()!.toUpperCase();
  if (actual !== config.join.fingerprint.toUpperCase())
    throw preconditionFailed(
      `join.fingerprint does not match the certificate ${node1.name} serves on ${target} (${actual}): read the right one on ${node1.name} with \`pvenode cert info\` and compare it out of band before you change cluster.yaml`,
    );
  return actual;
}

export const joinPrereqs = defineStep({
  ...joinPrereqsPlan,
  acts: "use_ssh: node 2's `id_rsa` authorised on node 1, node 1's pinned host key in node 2's known_hosts (backups kept); api: nothing",
  verifiedBy: "use_ssh: node 2 logs in to node 1 in BatchMode; api: node 1's port 8006 serves the certificate `join.fingerprint` names",
  health: 'none',
  commands: (config) => [
    { node2Status: joinCommands(config).node2Status },
    config.join.method === 'api' ? joinApiCommands(config) : rootTrustCommands(config.nodes[1], config.nodes[0]),
  ],
  async check(ctx, config): Promise<{ done: boolean; state: JoinPrereqsState }> {
    const [node1, node2] = config.nodes;
    // A node 2 that carries the cluster's config is never added again (the join step's check), so what pvecm add
    // needs is moot: no TLS or SSH probe of node 1 then (the health check reads this step every minute).
    if ((await readClusterStatus(ctx, joinCommands(config).node2Status))?.cluster?.name === config.cluster.name)
      return { done: true, state: { method: 'joined' } };
    if (config.join.method === 'api') return { done: true, state: { method: 'api', fingerprint: await checkApi(ctx, config) } };
    const trust = await checkRootTrust(ctx, node2, node1);
    return { done: rootTrustDone(trust), state: { method: 'use_ssh', trust } };
  },
  async act(ctx, config, state) {
    if (state.method !== 'use_ssh') return { changes: [] };
    const [node1, node2] = config.nodes;
    return { changes: await establishRootTrust(ctx, node2, node1, state.trust) };
  },
  async verify(ctx, config, { state }): Promise<{ summary: string; facts: { apiFingerprint?: string } }> {
    const [node1, node2] = config.nodes;
    if (state.method === 'joined')
      return { summary: `${node2.name} already has cluster ${config.cluster.name}'s config: pvecm add needs nothing more`, facts: {} };
    // The API join acts on nothing: the check's probe, taken a moment ago, is the post-condition.
    if (state.method === 'api')
      return { summary: `${node1.name}'s API on ${node1.ip}:${API_PORT} serves the pinned certificate`, facts: { apiFingerprint: state.fingerprint } };
    await verifyRootLogin(ctx, node2, node1);
    return { summary: `${node2.name} logs in to ${node1.name} as root by key, ${node1.name}'s host key pinned`, facts: {} };
  },
});
