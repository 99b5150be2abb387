/**
 * Repair 2 of the QDevice: a node without its QDevice certificate store (reinstalled, or the store removed) gets it
 * back the way `pvecm qdevice setup` gave it: the qnetd CA and the cluster's node certificate that setup left in
 * /etc/pve (corosync-qdevice-net-certutil -i, then -m), then its daemon is started. An existing but broken store is
 * moved aside first (kept as a backup).
 */
import type { ClusterConfig } from '../../src/config/schema';
import { on, type CommandSet } from '../../src/step-kit/commands';
import { defineStep } from '../../src/step-kit/descriptor';
import { qdevice } from '../qdevice';
import { NSSDB, readNodeQdevices } from './restart-qdevice';

const CA = '/etc/pve/qnetd-cacert.crt';
const NODE_P12 = '/etc/pve/qdevice-net-node.p12';

export function reimportCommands(config: ClusterConfig, node: ClusterConfig['nodes'][number]) {
  return {
    sources: on(config.nodes[0], 'check', `test -f ${CA} && test -f ${NODE_P12} && echo present`),
    reimport: on(
      node,
      'act',
      `{ if [ -e ${NSSDB} ]; then mv ${NSSDB} ${NSSDB}.pve-twonode-$(date +%Y%m%d%H%M%S).bak; fi; } && ` +
        `corosync-qdevice-net-certutil -i -c ${CA} && corosync-qdevice-net-certutil -m -c ${NODE_P12} && systemctl restart corosync-qdevice`,
    ),
  } satisfies CommandSet;
}

export const reimportQdeviceCerts = defineStep({
  name: 'reimport-qdevice-certs',
  activity: 'repairReimportQdeviceCerts',
  kind: 'cluster',
  acts: '`corosync-qdevice-net-certutil -i` and `-m` from the files setup left in /etc/pve, then the daemon started, on a node without its store',
  verifiedBy: 'as the qdevice step: Expected 3, Total 3, both members `A,V,NMW`, qnetd votes for both',
  gatedByDefault: true,
  health: 'none',
  hosts: (config) => [config.nodes[0].name, config.nodes[1].name, config.qdevice.name],
  summary: () => 're-import the QDevice certificates where they are missing',
  commands: (config) => config.nodes.map((n) => reimportCommands(config, n)),
  async check(ctx, config) {
    const { healthy, configured, nodes } = await readNodeQdevices(ctx, config);
    const sources = (await ctx.run(reimportCommands(config, config.nodes[0]).sources)).stdout.includes('present');
    const targets = sources && configured ? nodes.filter((n) => !n.certStore).map((n) => n.node) : [];
    return { done: healthy && targets.length === 0, state: { targets, sources } };
  },
  async act(ctx, config, { targets }) {
    for (const name of targets)
      await ctx.output(
        reimportCommands(
          config,
          config.nodes.find((n) => n.name === name)!,
        ).reimport,
      );
    return { changes: targets.map((t) => `QDevice certificates re-imported on ${t}`) };
  },
  verify: (ctx, config, { acted }) => qdevice.verify(ctx, config, { state: { configured: true, leftover: false }, acted }),
});
