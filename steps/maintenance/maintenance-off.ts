/**
 * Node maintenance off: `ha-manager crm-command node-maintenance disable <node>`; verified when the node's LRM works
 * again, the cluster has 3 of 3 votes and every HA guest runs, those that prefer the node on it again (PVE moves them
 * back; until then the node's LRM already reads idle while its guest still runs on the other node).
 */
import { describeQdeviceHealth, hasHealthyQdevice, readClusterStatus } from '../../src/step-kit/cluster-state';
import { defineStep } from '../../src/step-kit/descriptor';
import { postconditionFailed } from '../../src/step-kit/failures';
import { qdeviceCommands } from '../qdevice';
import { describeGuests, maintenanceCommands, readHaPlacement } from './ha-placement';

const BACK_TIMEOUT_MS = 300_000;

export function maintenanceOff(node: string) {
  return defineStep({
    name: 'maintenance-off',
    activity: 'maintenanceOffStep',
    kind: 'cluster',
    acts: '`ha-manager crm-command node-maintenance disable <node>`',
    verifiedBy: "the node's LRM `active` or `idle`, 3 of 3 votes, every HA guest started, those preferring the node on it",
    gatedByDefault: true,
    health: 'none',
    hosts: (config) => [config.nodes[0].name],
    summary: () => `HA maintenance off for ${node}`,
    commands: (config) => {
      const { haStatus, disable } = maintenanceCommands(config, node);
      return [{ haStatus, disable }];
    },
    async check(ctx, config) {
      const placement = await readHaPlacement(ctx, config, node);
      return { done: placement.lrm !== 'maintenance mode', state: null };
    },
    async act(ctx, config) {
      await ctx.output(maintenanceCommands(config, node).disable);
      return { changes: [`HA maintenance disabled for ${node}`] };
    },
    async verify(ctx, config) {
      const back = await ctx.waitFor(`${node} back in HA with 3 of 3 votes`, BACK_TIMEOUT_MS, async () => {
        const p = await readHaPlacement(ctx, config, node);
        if ((p.lrm !== 'active' && p.lrm !== 'idle') || !p.guestsStarted || p.awayFromHome.length > 0) return undefined;
        return hasHealthyQdevice(await readClusterStatus(ctx, qdeviceCommands(config).status)) ? p : undefined;
      });
      if (!back) {
        const p = await readHaPlacement(ctx, config, node);
        const status = await readClusterStatus(ctx, qdeviceCommands(config).status);
        throw postconditionFailed(
          `${node}'s LRM is ${p.lrm ?? 'not reporting'}; HA guests: ${describeGuests(p)}${p.awayFromHome.length ? ` (${p.awayFromHome.join(', ')} not back on ${node}, its preferred node)` : ''}; votes: ${describeQdeviceHealth(config, status)}`,
        );
      }
      return { summary: `${node} back in HA (${back.lrm}), 3 of 3 votes; ${describeGuests(back)}`, facts: { guests: back.guests } };
    },
  });
}
