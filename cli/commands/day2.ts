/** The day-2 commands that change a built cluster behind a gate: repair, maintenance, drill; and drills, their record. */
import { resolve } from 'node:path';
import { Argument, Option, type Command } from 'commander';
import { connectClient } from '../../src/temporal/connection';
import { DRILL_GATE, MOVE_QNETD_GATE, REPAIR_GATES, overrideGate, reinstalledGate, replaceGate } from '../../workflows/repair-messages';
import { OVERRIDE_DEAD_FOR, OVERRIDE_WATCH_EVERY, quorumOverrideRefusal } from '../../src/plan/quorum-override';
import { DEAD_FOR, replaceNodeRefusal } from '../../src/plan/replace-node';
import { deleteDrillSchedule, scheduleDrill, startDrill } from '../drill';
import { drillRecords, renderDrillRecords } from '../drills';
import { CliError, EXIT, explainTemporalError } from '../errors';
import { where } from '../read-run';
import { startMaintenance, startMoveQnetd, startQuorumOverride, startRepairQdevice, startReplaceNode, startUpdate } from '../repair';
import type { RebootPolicy } from '../../workflows/rolling-update';
import { EVERY } from '../schedules';
import { configOrExit, followAndReport, link } from './shared';

/** The move goes where the file's qdevice block says; --to must say the same, so a stale file cannot move it wrongly. */
function requireMoveTarget(file: string, qdevice: { name: string; ip: string }, to: string | undefined): void {
  const fix = `name the new VM in ${file}'s qdevice block (name, ip, ssh.host_key), then: pve-twonode repair move-qnetd ${file} --to <its ip>`;
  if (!to) throw new CliError(`repair move-qnetd needs --to <ip>; ${fix}`, EXIT.usage);
  if (to !== qdevice.ip) throw new CliError(`--to ${to} is not qdevice.ip in ${file} (${qdevice.name}, ${qdevice.ip}); ${fix}`, EXIT.usage);
}

export function registerDay2Commands(program: Command): void {
  program
    .command('repair')
    .description('repair what the health check found, gated like the guide (one repair of each kind per cluster at a time)')
    .addArgument(
      new Argument('<what>', 'qdevice: bring the third vote back; move-qnetd: move the QDevice to the VM the qdevice block names').choices([
        'qdevice',
        'move-qnetd',
      ]),
    )
    .argument('<config>')
    .option('--to <ip>', "move-qnetd: the new VM's IP, as the config's qdevice.ip says (a check that the file names the right host)")
    .option('--auto-approve', 'approve every gate as it is reached (rehearsal lab); implies --follow')
    .option('--follow', 'show live progress until the repair ends, then the report')
    .action(async (what: 'qdevice' | 'move-qnetd', file: string, opts: { to?: string; autoApprove?: boolean; follow?: boolean }) => {
      const config = configOrExit(file);
      if (what === 'move-qnetd') requireMoveTarget(file, config.qdevice, opts.to);
      else if (opts.to) throw new CliError('--to belongs to repair move-qnetd; repair qdevice repairs the QDevice where it is', EXIT.usage);
      const client = await connectClient();
      const handle = what === 'qdevice' ? await startRepairQdevice(client, config, resolve(file)) : await startMoveQnetd(client, config, resolve(file));
      console.log(`started ${handle.workflowId}; history: ${link(config.cluster.name, handle.workflowId)}`);
      if (opts.follow || opts.autoApprove) await followAndReport(handle, config.cluster.name, opts.autoApprove === true);
      else
        console.log(
          `it ${what === 'qdevice' ? 'diagnoses' : 'prepares the new VM'}, then waits: pve-twonode approve ${config.cluster.name} ${what === 'qdevice' ? REPAIR_GATES[0] : MOVE_QNETD_GATE}`,
        );
    });

  program
    .command('maintenance')
    .description('put a node into HA maintenance (its guests move to the other node) or take it out; refused while the third vote is not healthy')
    .argument('<config>')
    .argument('<node>', 'the node, by its name in cluster.yaml')
    .addArgument(new Argument('<action>').choices(['on', 'off']))
    .option('--auto-approve', 'approve the gate when it is reached (rehearsal lab); implies --follow')
    .option('--follow', 'show live progress until it ends, then the report')
    .action(async (file: string, node: string, action: 'on' | 'off', opts: { autoApprove?: boolean; follow?: boolean }) => {
      const config = configOrExit(file);
      const names = config.nodes.map((n) => n.name);
      if (!names.includes(node)) throw new CliError(`node "${node}" is not in ${file}; one of: ${names.join(', ')}`, EXIT.usage);
      const handle = await startMaintenance(await connectClient(), config, node, action, resolve(file));
      console.log(`started ${handle.workflowId}; history: ${link(config.cluster.name, handle.workflowId)}`);
      if (opts.follow || opts.autoApprove) await followAndReport(handle, config.cluster.name, opts.autoApprove === true);
      else console.log(`it checks, then waits: pve-twonode approve ${config.cluster.name} maintenance-${action}`);
    });

  program
    .command('update <config>')
    .description(
      'rolling update of both nodes and the QDevice VM, one host at a time behind its own gate: plan, HA maintenance, apt-get dist-upgrade, reboot when needed, back on 3 of 3 votes',
    )
    .addOption(
      new Option('--reboot <when>', 'auto: when a new kernel asks for it; always; never (reboot later yourself)')
        .choices(['auto', 'always', 'never'])
        .default('auto'),
    )
    .option('--only <hosts>', 'only these hosts, comma-separated names from the config (e.g. pve1,qnetd); the rolling order stays')
    .option('--reboot-timeout <duration>', 'how long a host may take to come back from its reboot before the update asks (default 15m)')
    .option('--auto-approve', "approve each host's gate as it is reached (rehearsal lab); implies --follow")
    .option('--follow', 'show live progress until it ends, then the report')
    .action(async (file: string, opts: { reboot: RebootPolicy; only?: string; rebootTimeout?: string; autoApprove?: boolean; follow?: boolean }) => {
      const config = configOrExit(file);
      const names = [...config.nodes.map((n) => n.name), config.qdevice.name];
      const only =
        opts.only === undefined
          ? null
          : opts.only
              .split(',')
              .map((h) => h.trim())
              .filter(Boolean);
      const unknown = (only ?? []).filter((h) => !names.includes(h));
      if (only && (only.length === 0 || unknown.length > 0))
        throw new CliError(`--only must name hosts of ${file} (${names.join(', ')}); got "${opts.only}"`, EXIT.usage);
      if (opts.rebootTimeout !== undefined && !EVERY.test(opts.rebootTimeout))
        throw new CliError(`--reboot-timeout must be a duration like 15m or 1h, not "${opts.rebootTimeout}"`, EXIT.usage);
      const handle = await startUpdate(await connectClient(), config, { reboot: opts.reboot, only, rebootTimeout: opts.rebootTimeout }, resolve(file));
      console.log(`started ${handle.workflowId}; history: ${link(config.cluster.name, handle.workflowId)}`);
      if (opts.follow || opts.autoApprove) await followAndReport(handle, config.cluster.name, opts.autoApprove === true);
      else console.log(`it plans (read-only), then waits at each host: pve-twonode approve ${config.cluster.name} update-<host>`);
    });

  program
    .command('replace-node <config> <node>')
    .description(
      'a node dead for good: prove it, remove it and the QDevice from the survivor (one gate), wait (days if need be) for its reinstall with the same name and address, join it again',
    )
    .option('--dead-for <duration>', 'how long the node must give no SSH answer before it counts as dead (10s to 10m)', DEAD_FOR)
    .option(
      '--auto-approve',
      'approve the removal when it is reached (rehearsal lab); the reinstall is always approved by a person, with its host key; implies --follow',
    )
    .option('--follow', 'show live progress until it ends or waits for the reinstall, then the report')
    .action(async (file: string, node: string, opts: { deadFor: string; autoApprove?: boolean; follow?: boolean }) => {
      const config = configOrExit(file);
      const refusal = replaceNodeRefusal(config, node, opts.deadFor);
      if (refusal) throw new CliError(refusal, EXIT.usage);
      const handle = await startReplaceNode(await connectClient(), config, node, { deadFor: opts.deadFor }, resolve(file));
      console.log(`started ${handle.workflowId}; history: ${link(config.cluster.name, handle.workflowId)}`);
      const reinstall = `pve-twonode approve ${config.cluster.name} ${reinstalledGate(node)} --host-key SHA256:...`;
      if (opts.follow || opts.autoApprove) {
        const progress = await followAndReport(handle, config.cluster.name, opts.autoApprove === true, undefined, (gate) => gate === reinstalledGate(node));
        if (progress.awaiting?.gate === reinstalledGate(node)) console.log(`it waits for ${node}'s reinstall; then: ${reinstall}`);
      } else
        console.log(
          `it proves ${node} dead (read-only), then waits: pve-twonode approve ${config.cluster.name} ${replaceGate(node)}; after the reinstall: ${reinstall}`,
        );
    });

  program
    .command('quorum-override <config> <survivor>')
    .description(
      "break glass: the survivor quorate on its own vote when its peer is dead AND the QDevice gone, only with that proven and a person's approval (never auto-approved); lifted when either is back",
    )
    .option('--dead-for <duration>', 'how long the other node must give no SSH answer (10s to 10m)', OVERRIDE_DEAD_FOR)
    .option('--watch-every <duration>', 'how often a standing override looks whether the peer or the QDevice is back', OVERRIDE_WATCH_EVERY)
    .option('--follow', 'show live progress until it ends, then the report')
    .action(async (file: string, survivor: string, opts: { deadFor: string; watchEvery: string; follow?: boolean }) => {
      const config = configOrExit(file);
      const refusal = quorumOverrideRefusal(config, survivor, opts.deadFor, opts.watchEvery);
      if (refusal) throw new CliError(refusal, EXIT.usage);
      const handle = await startQuorumOverride(await connectClient(), config, survivor, { deadFor: opts.deadFor, watchEvery: opts.watchEvery }, resolve(file));
      console.log(`started ${handle.workflowId}; history: ${link(config.cluster.name, handle.workflowId)}`);
      const approve = `pve-twonode approve ${config.cluster.name} ${overrideGate(survivor)}`;
      if (opts.follow) await followAndReport(handle, config.cluster.name, false);
      else console.log(`it proves ${survivor} is alone (read-only), then waits for a person: read the gate's warning, then ${approve}`);
    });

  program
    .command('drill <config>')
    .description("the guide's failover test again, gated: the node hosting the HA guest powered off hard, the recovery time measured and kept")
    .option('--every <duration>', 'a Schedule starts one every interval (e.g. 30d); each waits for approval')
    .option('--delete', 'delete the schedule')
    .option('--auto-approve', 'approve the power cut when it is reached (rehearsal lab); implies --follow')
    .option('--follow', 'show live progress until it ends, then the report')
    .action(async (file: string, opts: { every?: string; delete?: boolean; autoApprove?: boolean; follow?: boolean }) => {
      const config = configOrExit(file);
      if (!config.failover.enabled) throw new CliError(`failover.enabled is false in ${file}: set it, with failover.power_off and power_on`, EXIT.usage);
      if (opts.every && !EVERY.test(opts.every)) throw new CliError(`--every must be a duration like 30d or 12h, not "${opts.every}"`, EXIT.usage);
      if (opts.every && opts.delete) throw new CliError('give --every or --delete, not both', EXIT.usage);
      const client = await connectClient();
      if (opts.every) return console.log(await scheduleDrill(client, config, opts.every, resolve(file)));
      if (opts.delete) return console.log(await deleteDrillSchedule(client, config.cluster.name));
      const handle = await startDrill(client, config, resolve(file));
      console.log(`started ${handle.workflowId}; history: ${link(config.cluster.name, handle.workflowId)}`);
      if (opts.follow || opts.autoApprove) await followAndReport(handle, config.cluster.name, opts.autoApprove === true);
      else console.log(`it checks the cluster, then waits: pve-twonode approve ${config.cluster.name} ${DRILL_GATE}`);
    });

  program
    .command('drills <config>')
    .description('the failover tests the cluster keeps on record (read-only over SSH), then the drill runs Temporal knows and how each ended')
    .option('--json', 'the record and the runs as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const config = configOrExit(file);
      // The record is on the cluster: it is listed even when no Temporal server answers.
      const client = await connectClient().catch((err: unknown) => explainTemporalError(err, where()) ?? (err as Error));
      const records = await drillRecords(config, client instanceof Error ? null : client);
      if (opts.json) return console.log(JSON.stringify(records, null, 2));
      console.log(renderDrillRecords(config, records, client instanceof Error ? `drill runs not listed: ${client.message}` : null));
    });
}
