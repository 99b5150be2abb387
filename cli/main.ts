#!/usr/bin/env node
/** pve-twonode: validate, plan, start, approve, reject, status, watch, cancel, worker, server. */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Argument, Command, Option } from 'commander';
import { ConfigError, loadConfig } from '../src/config/load';
import type { SecretRef } from '../src/config/schema';
import { readyKeys } from './worker-keys';
import { RunAlreadyActiveError, startGuide, type GuideHandle } from './start';
import { TASK_QUEUE, connectClient, temporalSettings } from '../src/temporal/connection';
import { ALL_GATES, isGate } from '../workflows/gates';
import { workflowIdFor } from '../workflows/messages';
import { answerGate } from './answer-gate';
import type { RunProgress } from '../workflows/progress';
import { follow } from './follow';
import { planFor, renderPlan } from './plan';
import { renderMarkdownReport, renderReport, uiLink } from './report';
import { labFaultHelp, runLab } from './lab';
import { runDevServer } from './server';
import { renderStepTable } from './step-table';
import { projectRoot } from '../src/paths';
import { CliError, EXIT, explainTemporalError } from './errors';
import { readRun, where } from './read-run';
import { initConfig, writeConfig, type Ask, type InitOptions } from './init';
import { EXIT_CODE, HEALTH_JSON_VERSION, renderHealth, withConfigPath } from '../src/health/report';
import { healthCheck } from '../activities/health-check';
import { guard, guardAction } from './guard';
import { isDay2Gate, startMaintenance, startMoveQnetd, startRepairQdevice } from './repair';
import { listRuns, newestRunId, RUN_KIND_NAMES, type RunKind } from './runs';
import { DRILL_GATE, DRILL_GATES, MAINTENANCE_GATES, MOVE_QNETD_GATE, REPAIR_GATES, day2WorkflowIdFor } from '../workflows/repair-messages';
import { deleteDrillSchedule, runningDrillId, scheduleDrill, startDrill } from './drill';
import { listClusters } from './clusters';
import { drillRecords, renderDrillRecords } from './drills';
import { EVERY } from './schedules';
import { durationMs } from '../src/duration';

/** The guard's shortest interval: a health check of the cluster takes a few seconds on real nodes. */
const GUARD_MIN_EVERY_MS = 5_000;
import { healthQuery, healthStateIdFor } from '../workflows/health-messages';

/** Every gate any run may wait at: the guide's, the repairs', maintenance's and the drill's. */
const EVERY_GATE = [...ALL_GATES, ...REPAIR_GATES, MOVE_QNETD_GATE, ...MAINTENANCE_GATES, ...DRILL_GATES];

function requireGate(gate: string): void {
  if (!isGate(gate) && !isDay2Gate(gate)) throw new CliError(`unknown gate "${gate}"; one of: ${EVERY_GATE.join(', ')}`, EXIT.usage);
}

/** The move goes where the file's qdevice block says; --to must say the same, so a stale file cannot move it wrongly. */
function requireMoveTarget(file: string, qdevice: { name: string; ip: string }, to: string | undefined): void {
  const fix = `name the new VM in ${file}'s qdevice block (name, ip, ssh.host_key), then: pve-twonode repair move-qnetd ${file} --to <its ip>`;
  if (!to) throw new CliError(`repair move-qnetd needs --to <ip>; ${fix}`, EXIT.usage);
  if (to !== qdevice.ip) throw new CliError(`--to ${to} is not qdevice.ip in ${file} (${qdevice.name}, ${qdevice.ip}); ${fix}`, EXIT.usage);
}

/** The key's passphrase as a reference the config keeps (cluster.yaml's ssh.auth.passphrase), checked before any host. */
function passphraseRef(file: unknown, env: unknown): SecretRef | undefined {
  if (file && env) throw new CliError('give --key-passphrase-file or --key-passphrase-env, not both', EXIT.usage);
  if (typeof env === 'string') {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) throw new CliError(`--key-passphrase-env takes a variable name, not "${env}"`, EXIT.usage);
    if (process.env[env] === undefined) throw new CliError(`--key-passphrase-env ${env}: the variable is not set here; export it first`, EXIT.usage);
    return { env };
  }
  return typeof file === 'string' ? { file } : undefined;
}

function configOrExit(file: string) {
  try {
    return loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      // One problem (the file missing, a folder, unreadable) is one line; a config with several lists them.
      console.error(err.problems.length === 1 ? `invalid config ${err.file}: ${err.problems[0]}` : `invalid config ${err.message}`);
      process.exit(EXIT.usage);
    }
    throw err;
  }
}

/** The guide's run, or a repair's, maintenance's or drill's when the gate is one of theirs. */
/** The run a command acts on: the one waiting at the gate named, else the newest of the kind (of any kind if none). */
async function handleFor(cluster: string, gate?: string, kind?: RunKind): Promise<GuideHandle> {
  const client = await connectClient();
  if (gate && (DRILL_GATES as readonly string[]).includes(gate))
    return client.workflow.getHandle((await runningDrillId(client, cluster)) ?? day2WorkflowIdFor(cluster, gate)!);
  if (gate) return client.workflow.getHandle(day2WorkflowIdFor(cluster, gate) ?? workflowIdFor(cluster));
  return client.workflow.getHandle(await newestRunId(client, cluster, kind));
}

const kindOption = () => new Option('--kind <kind>', 'which kind of run (default: the newest of any kind)').choices(RUN_KIND_NAMES);

function link(cluster: string, workflowId = workflowIdFor(cluster)): string {
  const { connectionOptions, namespace } = temporalSettings();
  return uiLink(connectionOptions.address, namespace, workflowId);
}

/** Prints the report; also writes it as Markdown when asked (--report FILE.md). */
function report(progress: RunProgress, cluster: string, markdownFile?: string, workflowId?: string): void {
  console.log(renderReport(progress, link(cluster, workflowId)));
  if (markdownFile) {
    writeFileSync(markdownFile, renderMarkdownReport(progress, link(cluster, workflowId)));
    console.log(`  report written to ${markdownFile}`);
  }
}

async function followAndReport(handle: GuideHandle, cluster: string, autoApprove: boolean, markdownFile?: string): Promise<void> {
  const progress = await follow(handle, { autoApprove });
  report(progress, cluster, markdownFile, handle.workflowId);
  if (progress.state !== 'completed') process.exitCode = 1;
}

/**
 * A usage mistake (an unknown command, a missing argument or option, a value not among the choices) is commander's
 * one line naming it and the valid values, and exit 2 (README "Exit codes"); help and --version exit 0. Subcommands
 * inherit this (commander copies the settings of the program into each command made after it).
 */
const program = new Command('pve-twonode')
  .description('A 2-node Proxmox VE cluster with a QDevice, as one durable, approval-gated Temporal workflow')
  .showSuggestionAfterError()
  .exitOverride((err) => {
    const shown = err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version';
    process.exit(shown ? EXIT.ok : EXIT.usage);
  });

// A reader that stops early (`pve-twonode health x | head`) is not an error: no EPIPE stack trace.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });

program
  .command('validate <config>')
  .description('check cluster.yaml; lists every bad field (exit 2) without touching a host')
  .action((file: string) => {
    const config = configOrExit(file);
    console.log(`${file}: valid (cluster ${config.cluster.name}: ${config.nodes[0].name}, ${config.nodes[1].name}, QDevice ${config.qdevice.name})`);
  });

program
  .command('init')
  .description('write cluster.yaml from the hosts: confirms each host key, reads names, versions, the API fingerprint, guests')
  .option('--node1 <ip>', 'the node that creates the cluster')
  .option('--node2 <ip>', 'the node that joins it')
  .option('--qdevice <ip>', 'the Debian VM for corosync-qnetd')
  .option('--key-file <path>', 'the SSH private key that logs in as root on all three')
  .option('--key-passphrase-file <path>', "a file holding the key's passphrase (the worker reads it there too; never the value itself)")
  .option('--key-passphrase-env <VAR>', "an environment variable holding the key's passphrase, for init and the worker")
  .option('--port <port>', 'SSH port', '22')
  .option('--node1-key <SHA256:...>', "node 1's host key fingerprint, if you have it (else you confirm what the host shows)")
  .option('--node2-key <SHA256:...>', "node 2's host key fingerprint")
  .option('--qdevice-key <SHA256:...>', "the VM's host key fingerprint")
  .option('--name <cluster>', 'the cluster name (cannot change later)', 'homelab')
  .addOption(new Option('--join <method>', 'how node 2 joins').choices(['api', 'use_ssh']).default('api'))
  .option('--password-file <path>', "where the worker will read node 1's root password (api join; never read now)", '/root/.pve-root-password')
  .option('--yes', 'never ask; every host key must then be given with --node1-key, --node2-key, --qdevice-key')
  .option('--out <file>', 'where to write it', 'cluster.yaml')
  .option('--force', 'replace an existing file')
  .action(async (opts: Record<string, string | boolean | undefined>) => {
    const tty = process.stdin.isTTY === true && opts.yes !== true;
    const { createInterface } = await import('node:readline/promises');
    const rl = tty ? createInterface({ input: process.stdin, output: process.stdout }) : null;
    const ask: Ask | undefined = rl ? (q) => rl.question(q) : undefined;
    try {
      const value = async (key: string, question: string): Promise<string> => {
        const given = opts[key];
        if (typeof given === 'string' && given) return given;
        if (!ask) throw new CliError(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is required without a terminal`, EXIT.usage);
        return (await ask(question)).trim();
      };
      const options: InitOptions = {
        ips: {
          node1: await value('node1', 'IP of node 1 (creates the cluster): '),
          node2: await value('node2', 'IP of node 2 (joins): '),
          qdevice: await value('qdevice', 'IP of the QDevice VM: '),
        },
        keyFile: await value('keyFile', 'SSH private key for root on all three: '),
        port: Number(opts.port),
        hostKeys: { node1: opts.node1Key as string | undefined, node2: opts.node2Key as string | undefined, qdevice: opts.qdeviceKey as string | undefined },
        yes: opts.yes === true,
        name: String(opts.name),
        join: opts.join === 'use_ssh' ? 'use_ssh' : 'api',
        passwordFile: String(opts.passwordFile),
        passphrase: passphraseRef(opts.keyPassphraseFile, opts.keyPassphraseEnv),
      };
      const text = await initConfig(options, ask);
      writeConfig(String(opts.out), text, opts.force === true);
      console.log(`wrote ${String(opts.out)}; check it with: pve-twonode validate ${String(opts.out)} && pve-twonode plan ${String(opts.out)}`);
    } finally {
      rl?.close();
    }
  });

program
  .command('check <config>')
  .description('health of the built cluster, read-only: monitoring-plugin exit codes 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN')
  .option('--json', `the report as JSON (version ${HEALTH_JSON_VERSION})`)
  .action(async (file: string, opts: { json?: boolean }) => {
    let config;
    try {
      config = loadConfig(file);
    } catch (err) {
      // A monitoring system reads anything but 0-2 as "could not tell".
      console.log(`PVE-TWONODE UNKNOWN - ${err instanceof ConfigError ? `invalid config ${err.message.split('\n')[0]}` : String(err)}`);
      process.exit(EXIT_CODE.UNKNOWN);
    }
    const report = await healthCheck(config).catch((err: unknown) => {
      console.log(`PVE-TWONODE UNKNOWN - ${config.cluster.name}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      process.exit(EXIT_CODE.UNKNOWN);
    });
    // The repairs a verdict names, with this very file in them.
    const shown = withConfigPath(report, file);
    console.log(opts.json ? JSON.stringify(shown, null, 2) : renderHealth(shown));
    process.exitCode = report.exitCode;
  });

program
  .command('guard <config>')
  .description('watch the built cluster: a Temporal Schedule runs `check` every interval and alerts (notify: in cluster.yaml) on changes')
  .option('--every <duration>', 'how often', '1m')
  .option('--pause', 'pause the schedule')
  .option('--resume', 'resume it')
  .option('--delete', 'delete it (the health state keeps its last result)')
  .option('--trigger', 'run one check now')
  .action(async (file: string, opts: { every: string; pause?: boolean; resume?: boolean; delete?: boolean; trigger?: boolean }) => {
    const config = configOrExit(file);
    const actions = (['pause', 'resume', 'delete', 'trigger'] as const).filter((a) => opts[a]);
    if (actions.length > 1) throw new CliError(`give one of --pause, --resume, --delete, --trigger, not ${actions.join(' and ')}`, EXIT.usage);
    if (!EVERY.test(opts.every)) throw new CliError(`--every must be a duration like 30s, 1m or 1h, not "${opts.every}"`, EXIT.usage);
    if (durationMs(opts.every) < GUARD_MIN_EVERY_MS)
      throw new CliError(
        `--every must be at least ${GUARD_MIN_EVERY_MS / 1000}s (a check takes seconds; a Temporal Schedule refuses 0), not "${opts.every}"`,
        EXIT.usage,
      );
    const client = await connectClient();
    console.log(actions[0] ? await guardAction(client, config.cluster.name, actions[0]) : await guard(client, config, opts.every, resolve(file)));
  });

program
  .command('health <cluster>')
  .description("the guard's last result for a cluster and its recent alerts (works without a worker when idle)")
  .option('--json', 'the whole health state')
  .action(async (cluster: string, opts: { json?: boolean }) => {
    const client = await connectClient();
    const state = await client.workflow.getHandle(healthStateIdFor(cluster)).query(healthQuery);
    if (opts.json) console.log(JSON.stringify(state, null, 2));
    else {
      console.log(state.lastReport ? renderHealth(state.lastReport) : `no check has reported for ${cluster} yet`);
      for (const w of state.quiet ?? []) console.log(`not paged while ${w.run} runs (since ${w.since}): ${w.facts.join(', ')}`);
      for (const a of state.alerts.slice(-5))
        console.log(
          `alert ${a.at} ${a.alert.kind} ${a.alert.status}: ${[a.delivered.length ? `sent to ${a.delivered.join(', ')}` : '', a.error ? `not delivered: ${a.error}` : ''].filter(Boolean).join('; ')}`,
        );
    }
    // The monitoring-plugin code of the state shown, as check exits: a script can act on it.
    process.exitCode = state.lastReport?.exitCode ?? EXIT_CODE.UNKNOWN;
  });

program
  .command('plan <config>')
  .description('per step and host, the exact commands a run would execute (no connection is made)')
  .action((file: string) => console.log(renderPlan(planFor(configOrExit(file)))));

program
  .command('steps')
  .description("the guide's steps as a Markdown table (hosts, what each changes, what proves it, default gates)")
  .action(() => console.log(renderStepTable(loadConfig(join(projectRoot(), 'examples', 'cluster.yaml')))));

program
  .command('start <config>')
  .description('start the guide for this cluster (one run per cluster at a time)')
  .option('--auto-approve', 'approve every gate as it is reached (rehearsal lab); implies --follow')
  .option('--follow', 'show live progress until the run ends, then the report')
  .option('--report <file.md>', 'with --follow: also write the report as Markdown')
  .action(async (file: string, opts: { autoApprove?: boolean; follow?: boolean; report?: string }) => {
    const config = configOrExit(file);
    const client = await connectClient();
    const handle = await startGuide(client, config);
    console.log(`started ${handle.workflowId}; history: ${link(config.cluster.name)}`);
    if (opts.follow || opts.autoApprove) await followAndReport(handle, config.cluster.name, opts.autoApprove === true, opts.report);
    else console.log(`follow it with: pve-twonode watch ${config.cluster.name}`);
  });

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
  .command('approve <cluster> <gate>')
  .description(`let the step waiting at a gate go ahead; gates: ${EVERY_GATE.join(', ')}`)
  .action(async (cluster: string, gate: string) => {
    requireGate(gate);
    const answered = await answerGate(await handleFor(cluster, gate), gate);
    console.log(`approved ${answered.gate}`);
  });

program
  .command('reject <cluster> <gate>')
  .description('refuse the step waiting at a gate; the run ends as rejected with the reason')
  .requiredOption('--reason <text>', 'why (kept in the history and the report)')
  .action(async (cluster: string, gate: string, opts: { reason: string }) => {
    requireGate(gate);
    const answered = await answerGate(await handleFor(cluster, gate), gate, opts.reason);
    console.log(`rejected ${answered.gate}: ${opts.reason}`);
  });

program
  .command('status <cluster>')
  .description('where the run stands (the guide, a repair, maintenance or a drill: the newest unless --kind)')
  .addOption(kindOption())
  .option('--json', 'stable JSON: { workflowId, runId, status, progress }')
  .option('--report <file.md>', 'also write the report as Markdown')
  .action(async (cluster: string, opts: { json?: boolean; report?: string; kind?: RunKind }) => {
    const handle = await handleFor(cluster, undefined, opts.kind);
    const { runId, status, progress } = await readRun(handle);
    if (opts.json) console.log(JSON.stringify({ workflowId: handle.workflowId, runId, status, progress }, null, 2));
    else report(progress, cluster, opts.report, handle.workflowId);
  });

program
  .command('report <cluster>')
  .description('the run report (works without a worker once the run has ended; the newest run unless --kind)')
  .addOption(kindOption())
  .option('--markdown <file.md>', 'also write it as Markdown')
  .action(async (cluster: string, opts: { markdown?: string; kind?: RunKind }) => {
    const handle = await handleFor(cluster, undefined, opts.kind);
    report((await readRun(handle)).progress, cluster, opts.markdown, handle.workflowId);
  });

program
  .command('runs <cluster>')
  .description("the cluster's runs of every kind, newest first (no worker needed)")
  .option('--json', 'one object per run')
  .action(async (cluster: string, opts: { json?: boolean }) => {
    const rows = await listRuns(await connectClient(), cluster);
    if (opts.json) console.log(JSON.stringify(rows, null, 2));
    else if (rows.length === 0) console.log(`no runs for cluster ${cluster} on ${where().address} namespace ${where().namespace}`);
    else for (const r of rows) console.log(`${r.kind.padEnd(12)} ${r.status.padEnd(11)} started ${r.started}  ${r.workflowId}`);
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

program
  .command('clusters')
  .description(
    'every cluster on this namespace: its last guide run, the health its guard saw, its last drill; from search attributes and memos (no worker needed)',
  )
  .option('--json', 'one object per cluster')
  .action(async (opts: { json?: boolean }) => {
    const rows = await listClusters(await connectClient());
    if (opts.json) console.log(JSON.stringify(rows, null, 2));
    else if (rows.length === 0) console.log(`no clusters on ${where().address} namespace ${where().namespace}`);
    else
      for (const r of rows)
        console.log(
          `${r.cluster.padEnd(16)} ${r.status.padEnd(11)} ${r.state.padEnd(10)} health ${r.health.padEnd(11)} started ${r.started.padEnd(24)} last drill ${r.lastDrill}`,
        );
  });

program
  .command('watch <cluster>')
  .description('live progress until the run ends (a table on a terminal, lines otherwise; the newest run unless --kind)')
  .addOption(kindOption())
  .option('--report <file.md>', 'also write the final report as Markdown')
  .action(async (cluster: string, opts: { report?: string; kind?: RunKind }) =>
    followAndReport(await handleFor(cluster, undefined, opts.kind), cluster, false, opts.report),
  );

program
  .command('cancel <cluster>')
  .description('stop the run after the host command in flight, wait until it has stopped, report where (the newest run unless --kind)')
  .addOption(kindOption())
  .action(async (cluster: string, opts: { kind?: RunKind }) => {
    const handle = await handleFor(cluster, undefined, opts.kind);
    await handle.cancel();
    // The run ends on its own terms (the command in flight finishes); its report is read once it has.
    await handle.result().catch(() => undefined);
    report((await readRun(handle)).progress, cluster, undefined, handle.workflowId);
  });

program
  .command('worker')
  .description('run the worker (resolves secrets from its own environment)')
  .option('--task-queue <queue>', "serve this queue (a cluster's cluster.task_queue; default pve-twonode)")
  .option('--config <cluster.yaml...>', 'decrypt the SSH keys these clusters use now, not at their first step (a bad key stops the worker)')
  .action(async (opts: { taskQueue?: string; config?: string[] }) => {
    for (const file of opts.config ?? []) {
      const config = configOrExit(file);
      console.log(readyKeys(file, config));
      const queue = config.cluster.task_queue ?? TASK_QUEUE;
      if (queue !== (opts.taskQueue ?? TASK_QUEUE))
        console.log(`  note: ${file} runs on task queue ${queue}, which this worker does not poll; start one with --task-queue ${queue}`);
    }
    // Loaded lazily: the worker pulls in the workflow bundler, which the other commands do not need.
    const { runWorker } = await import('../worker');
    await runWorker(opts.taskQueue);
  });

program
  .command('server')
  .description('run the local Temporal dev server (Web UI, SQLite file)')
  .addOption(new Option('--port <port>', 'frontend port').default('7233'))
  .option('--db-file <path>', 'SQLite file (default .cache/state/temporal.db)')
  .action(async (opts: { port: string; dbFile?: string }) => {
    process.exitCode = await runDevServer({ port: Number(opts.port), dbFile: opts.dbFile });
  });

const lab = program.command('lab').description('the rehearsal lab: pve1, pve2 and qnetd on this machine (root only)');
lab
  .command('up')
  .description('build the lab (idempotent) and write its cluster.yaml')
  .action(() => void (process.exitCode = runLab(['up'])));
lab
  .command('add-qnetd2')
  .description('a fourth host, a fresh Debian VM at 10.213.7.14 (for repair move-qnetd), and cluster-qnetd2.yaml naming it')
  .action(() => void (process.exitCode = runLab(['add-qnetd2'])));
lab
  .command('down')
  .description('remove everything the lab made')
  .action(() => void (process.exitCode = runLab(['down'])));
lab
  .command('status')
  .description('power and quorum of each lab host')
  .action(() => void (process.exitCode = runLab(['status'])));
lab
  .command('poweroff <host>')
  .description('hard power cut (cable pulled, every process killed)')
  .action((host: string) => void (process.exitCode = runLab(['poweroff', host])));
lab
  .command('poweron <host>')
  .description('boot a host again, its disk kept')
  .action((host: string) => void (process.exitCode = runLab(['poweron', host])));
lab
  .command('rekey <host>')
  .description('the host reinstalled: power cycled with a new SSH host key (cluster.yaml keeps the old pin)')
  .action((host: string) => void (process.exitCode = runLab(['rekey', host])));
lab
  .command('fault <host> <fault> [state]')
  .description(`${labFaultHelp()} (state on|off)`)
  .action((host: string, fault: string, state?: string) => void (process.exitCode = runLab(['fault', host, fault, state ?? 'on'])));

program.option('--debug', 'print stack traces of unexpected errors');

program.parseAsync().catch((err: unknown) => {
  const debug = program.opts<{ debug?: boolean }>().debug === true;
  const explained = err instanceof RunAlreadyActiveError ? new CliError(err.message, EXIT.runNotCompleted) : explainTemporalError(err, where());
  if (explained) console.error(explained.message);
  else console.error(debug ? err : `error: ${err instanceof Error ? err.message.split('\n')[0] : String(err)} (run with --debug for details)`);
  if (debug && explained) console.error(err);
  process.exit(explained?.exitCode ?? 1);
});
