/**
 * The reinstalled node, reached with the host key its approval gave (the session compares it before any credential
 * is sent; another key stops here): it must look freshly installed, with the same name, and in no cluster yet (no
 * /etc/pve/corosync.conf, `pvecm status` says so), or the guide's join would be asked to do what it must not.
 */
import { defineStep } from '../../src/step-kit/descriptor';
import { hostByName, on } from '../../src/step-kit/commands';
import { preconditionFailed } from '../../src/step-kit/failures';

export function freshNode(node: string) {
  const commands = (config: Parameters<typeof hostByName>[0]) => {
    const host = hostByName(config, node);
    return {
      hostname: on(host, 'check', 'hostname'),
      cluster: on(host, 'check', 'test -e /etc/pve/corosync.conf && echo in-a-cluster || echo none'),
      pve: on(host, 'check', 'pveversion'),
    };
  };
  return defineStep({
    name: 'reinstalled',
    activity: 'freshNodeStep',
    kind: 'quick',
    acts: 'nothing (read-only)',
    verifiedBy: 'SSH with the approved host key; its hostname; no /etc/pve/corosync.conf; `pveversion` answers',
    gatedByDefault: true,
    health: 'none',
    hosts: () => [node],
    summary: () => `${node} reinstalled: the approved host key, its name, in no cluster`,
    commands: (config) => [commands(config)],
    async check(ctx, config) {
      const c = commands(config);
      const hostname = (await ctx.output(c.hostname)).trim();
      if (hostname !== node)
        throw preconditionFailed(`the host at ${hostByName(config, node).ip} is called ${hostname}, not ${node}: reinstall it with the same name`);
      if ((await ctx.output(c.cluster)).includes('in-a-cluster'))
        throw preconditionFailed(
          `${node} is in a cluster already (/etc/pve/corosync.conf exists): it is not a fresh install; reinstall it, or remove its cluster configuration`,
        );
      const version = (await ctx.output(c.pve)).trim();
      return { done: true, state: version };
    },
    verify(_ctx, _config, { state }) {
      const version = state.split('\n')[0];
      return Promise.resolve({ summary: `${node} is freshly installed (${version}), in no cluster`, facts: { pveversion: version } });
    },
  });
}
