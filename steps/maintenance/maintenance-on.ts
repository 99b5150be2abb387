/**
 * Node maintenance on (`pve-twonode maintenance <config> <node> on`): `ha-manager crm-command node-maintenance
 * enable <node>` (PVE 8 and 9); verified when the node's LRM is in maintenance mode and every HA guest runs on the
 * other node. Refused while the third vote is not healthy: with the node down the survivor would lose quorum.
 */
import { ApplicationFailure } from '@temporalio/common';
import { defineStep } from '../../src/step-kit/descriptor';
import { postconditionFailed, preconditionFailed } from '../../src/step-kit/failures';
import { qdevice } from '../qdevice';
import { describeGuests, failIfInError, maintenanceCommands, readHaPlacement, type MaintenanceRecord } from './ha-placement';

const MOVED_TIMEOUT_MS = 300_000;

export function maintenanceOn(node: string) {
  return defineStep({
    name: 'maintenance-on',
    activity: 'maintenanceOnStep',
    kind: 'cluster',
    acts: '`ha-manager crm-command node-maintenance enable <node>`',
    verifiedBy: "the node's LRM in `maintenance mode`, every HA guest started on the other node",
    gatedByDefault: true,
    health: 'none',
    hosts: (config) => [config.nodes[0].name],
    summary: () => `HA maintenance on for ${node}`,
    commands: (config) => {
      const { haStatus, writeRecord, enable } = maintenanceCommands(config, node);
      return [{ haStatus, writeRecord, enable }];
    },
    async check(ctx, config) {
      const placement = await readHaPlacement(ctx, config, node);
      if (placement.lrm === 'maintenance mode') return { done: placement.guestsOffNode, state: { enabled: true } };
      // The health check's own verdict on the third vote, both sides (qnetd sees a lost daemon before the nodes do).
      const refusal = await qdevice.verify(ctx, config, { state: { configured: true, leftover: false }, acted: null }).then(
        () => null,
        (err: unknown) => (err instanceof ApplicationFailure && err.type === 'Degraded' ? null : err instanceof Error ? err.message : String(err)),
      );
      if (refusal) throw preconditionFailed(`refused: taking ${node} down now would leave the other node without quorum: ${refusal}`);
      return { done: false, state: { enabled: false } };
    },
    async act(ctx, config, { enabled }) {
      if (enabled) return { changes: [] };
      const c = maintenanceCommands(config, node);
      // Where the guests are now, kept before anything moves: `maintenance off` brings back these, and only these.
      const before = await readHaPlacement(ctx, config, node);
      const movedAway = Object.entries(before.guests)
        .filter(([, where]) => where.endsWith(` on ${node}`))
        .map(([sid]) => sid);
      const record: MaintenanceRecord = { node, movedAway };
      await ctx.output(c.writeRecord, JSON.stringify(record));
      await ctx.output(c.enable);
      return { changes: [`HA maintenance enabled for ${node}${movedAway.length ? ` (${movedAway.join(', ')} to come back at off)` : ''}`] };
    },
    async verify(ctx, config) {
      const moved = await ctx.waitFor(`${node} in maintenance, its HA guests on the other node`, MOVED_TIMEOUT_MS, async () => {
        const p = await readHaPlacement(ctx, config, node);
        failIfInError(p, config);
        return p.lrm === 'maintenance mode' && p.guestsOffNode ? p : undefined;
      });
      if (!moved) {
        const now = await readHaPlacement(ctx, config, node);
        throw postconditionFailed(`${node}'s LRM is ${now.lrm ?? 'not reporting'}; HA guests: ${describeGuests(now)}`, { guests: now.guests });
      }
      return { summary: `${node} in HA maintenance; ${describeGuests(moved)}: ${node} can go down`, facts: { guests: moved.guests } };
    },
  });
}
