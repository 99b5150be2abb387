/**
 * Node maintenance off: `ha-manager crm-command node-maintenance disable <node>`; verified when the node's LRM works
 * again, the cluster has 3 of 3 votes and every HA guest runs, those that `maintenance on` moved away on the node again
 * (PVE moves them back; until then the node's LRM already reads idle while its guest still runs on the other node).
 * A node already out of maintenance is done at once: nothing is waited for.
 */
import { describeQdeviceHealth, hasHealthyQdevice, readClusterStatus } from '../../src/step-kit/cluster-state';
import { defineStep } from '../../src/step-kit/descriptor';
import { postconditionFailed } from '../../src/step-kit/failures';
import { qdeviceCommands } from '../qdevice';
import { describeGuests, failIfInError, maintenanceCommands, readHaPlacement, readMaintenanceRecord, type HaPlacement } from './ha-placement';
import { LRM_WORKING } from '../../src/step-kit/ha-states';

const BACK_TIMEOUT_MS = 300_000;

export function maintenanceOff(node: string) {
  return defineStep({
    name: 'maintenance-off',
    activity: 'maintenanceOffStep',
    kind: 'cluster',
    acts: '`ha-manager crm-command node-maintenance disable <node>`',
    verifiedBy: "the node's LRM `active` or `idle`, 3 of 3 votes, every HA guest started, those `on` moved away back on the node",
    gatedByDefault: true,
    health: 'none',
    hosts: (config) => [config.nodes[0].name],
    summary: () => `HA maintenance off for ${node}`,
    commands: (config) => {
      const { haStatus, readRecord, disable, dropRecord } = maintenanceCommands(config, node);
      return [{ haStatus, readRecord, disable, dropRecord }];
    },
    async check(ctx, config) {
      const placement = await readHaPlacement(ctx, config, node);
      // Already out of maintenance: its guests are where the owner or HA put them since, and nothing is waited for.
      if (placement.lrm !== 'maintenance mode') return { done: true, state: { comingBack: [] as string[] } };
      return { done: false, state: { comingBack: (await readMaintenanceRecord(ctx, config, node))?.movedAway ?? [] } };
    },
    async act(ctx, config) {
      const c = maintenanceCommands(config, node);
      await ctx.output(c.disable);
      await ctx.output(c.dropRecord);
      return { changes: [`HA maintenance disabled for ${node}`] };
    },
    async verify(ctx, config, { state: { comingBack } }) {
      const what = `${node} back in HA with 3 of 3 votes${comingBack.length ? `, ${comingBack.join(', ')} back on ${node} (where it ran before maintenance)` : ''}`;
      const notBack = (p: HaPlacement) => comingBack.filter((sid) => p.guests[sid] !== `started on ${node}`);
      const back = await ctx.waitFor(what, BACK_TIMEOUT_MS, async () => {
        const p = await readHaPlacement(ctx, config, node);
        failIfInError(p, config);
        if (!LRM_WORKING.has(p.lrm ?? '') || !p.guestsStarted || notBack(p).length > 0) return undefined;
        return hasHealthyQdevice(await readClusterStatus(ctx, qdeviceCommands(config).status)) ? p : undefined;
      });
      if (!back) {
        const p = await readHaPlacement(ctx, config, node);
        const status = await readClusterStatus(ctx, qdeviceCommands(config).status);
        const away = notBack(p);
        throw postconditionFailed(
          `${node}'s LRM is ${p.lrm ?? 'not reporting'}; HA guests: ${describeGuests(p)}${away.length ? ` (${away.join(', ')} not back on ${node}, where it ran before maintenance)` : ''}; votes: ${describeQdeviceHealth(config, status)}`,
        );
      }
      return { summary: `${node} back in HA (${back.lrm}), 3 of 3 votes; ${describeGuests(back)}`, facts: { guests: back.guests } };
    },
  });
}
