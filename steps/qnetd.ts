/** Step 5, qnetd: corosync-qnetd on the Debian VM, listening on 5403/tcp (and allowed through ufw when ufw is active). */
import type { ClusterConfig } from '../src/config/schema';
import { sh } from '../src/ssh/quote';
import { on, type CommandSet } from '../src/step-kit/commands';
import { defineStep, type StepContext } from '../src/step-kit/descriptor';
import { postconditionFailed } from '../src/step-kit/failures';
import { REPAIR_QDEVICE_HINT } from './qdevice';
import { qnetdPlan } from '../src/plan/guide';

export function qnetdCommands(config: ClusterConfig) {
  const vm = config.qdevice;
  const [node1, node2] = config.nodes;
  return {
    installed: on(vm, 'check', "dpkg-query -W -f='${Status}' corosync-qnetd"),
    active: on(vm, 'check', 'systemctl is-active corosync-qnetd'),
    listening: on(vm, 'check', "ss -Hltn 'sport = :5403'"),
    ufw: on(vm, 'check', 'command -v ufw >/dev/null && ufw status || echo "Status: not installed"'),
    install: on(vm, 'act', 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y corosync-qnetd', { timeoutMs: 600_000 }),
    start: on(vm, 'act', 'systemctl enable --now corosync-qnetd'),
    allow: on(vm, 'act', [node1, node2].map((n) => sh`ufw allow proto tcp from ${n.ip} to any port 5403`).join(' && ')),
  } satisfies CommandSet;
}

async function serving(ctx: StepContext, c: ReturnType<typeof qnetdCommands>): Promise<boolean> {
  return (await ctx.run(c.active)).stdout.trim() === 'active' && (await ctx.run(c.listening)).stdout.includes(':5403');
}

export interface QnetdState {
  installed: boolean;
  serving: boolean;
  ufwActive: boolean;
  ufwMissingRule: boolean;
}

export const qnetd = defineStep({
  ...qnetdPlan,
  acts: '`apt-get install corosync-qnetd`, ufw rule if ufw is active',
  verifiedBy: 'active, listening on 5403/tcp',
  health: 'critical',
  commands: (config) => [qnetdCommands(config)],
  async check(ctx, config) {
    const c = qnetdCommands(config);
    const ufw = (await ctx.run(c.ufw)).stdout;
    const ufwActive = ufw.includes('Status: active');
    const ufwMissingRule = ufwActive && !config.nodes.every((n) => ufw.split('\n').some((l) => l.includes('5403') && l.includes(n.ip)));
    const installed = (await ctx.run(c.installed)).stdout.includes('install ok installed');
    const state: QnetdState = { installed, serving: installed && (await serving(ctx, c)), ufwActive, ufwMissingRule };
    return { done: state.serving && !ufwMissingRule, state };
  },
  async act(ctx, config, state) {
    const c = qnetdCommands(config);
    if (!state.installed) await ctx.run(c.install);
    if (!(await serving(ctx, c))) await ctx.run(c.start);
    if (state.ufwMissingRule) await ctx.run(c.allow);
    return { changes: [] };
  },
  async verify(ctx, config, { state }) {
    const c = qnetdCommands(config);
    const vm = config.qdevice.name;
    const up = await ctx.waitFor('corosync-qnetd listening on 5403', 30_000, async () => ((await serving(ctx, c)) ? true : undefined));
    if (!up)
      throw postconditionFailed(
        `corosync-qnetd is not active and listening on 5403/tcp on ${vm} (systemctl status corosync-qnetd; journalctl -u corosync-qnetd); ${REPAIR_QDEVICE_HINT}`,
      );
    const ufw = state.ufwActive ? ', allowed in ufw from both nodes' : '';
    return { summary: `corosync-qnetd active on ${vm}, listening on 5403/tcp${ufw}`, facts: { ufwActive: state.ufwActive } };
  },
});
