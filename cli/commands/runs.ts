/** The commands about runs: answer a gate (approve, reject), read one (status, report, watch), list them (runs, clusters), cancel. */
import type { Command } from 'commander';
import { connectClient } from '../../src/temporal/connection';
import { answerGate } from '../answer-gate';
import { CliError, EXIT } from '../errors';
import { checkPresentedKey } from '../host-key-check';
import { REINSTALLED_GATE_PREFIX } from '../../workflows/repair-messages';
import { listClusters } from '../clusters';
import { readRun, where } from '../read-run';
import { listRuns, type RunKind } from '../runs';
import { EVERY_GATE, followAndReport, handleFor, kindOption, report, requireGate } from './shared';

export function registerRunCommands(program: Command): void {
  program
    .command('approve <cluster> <gate>')
    .description(`let the step waiting at a gate go ahead; gates: ${EVERY_GATE.join(', ')}`)
    .option('--host-key <SHA256:...>', "reinstalled-<node>: the reinstalled node's new host key, compared with what it presents before the approval is sent")
    .action(async (cluster: string, gate: string, opts: { hostKey?: string }) => {
      requireGate(gate);
      const handle = await handleFor(cluster, gate);
      const needsKey = gate.startsWith(REINSTALLED_GATE_PREFIX);
      if (needsKey && !opts.hostKey)
        throw new CliError(
          `${gate} needs --host-key SHA256:... (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the reinstalled node's console)`,
          EXIT.usage,
        );
      if (!needsKey && opts.hostKey) throw new CliError(`--host-key belongs to replace-node's reinstalled-<node> gate, not ${gate}`, EXIT.usage);
      if (opts.hostKey) console.log(await checkPresentedKey(handle, gate, opts.hostKey));
      const answered = await answerGate(handle, gate, undefined, opts.hostKey);
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
    .action(async (cluster: string, opts: { report?: string; kind?: RunKind }) => {
      await followAndReport(await handleFor(cluster, undefined, opts.kind), cluster, false, opts.report);
    });

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
}
