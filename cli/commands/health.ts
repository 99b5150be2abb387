/** The commands that watch a built cluster: check (read-only, monitoring-plugin exit codes), guard, health. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { healthCheck } from '../../activities/health-check';
import { WorkerResources } from '../../activities/runtime/resources';
import { ConfigError, loadConfig } from '../../src/config/load';
import { durationMs } from '../../src/duration';
import { EXIT_CODE, HEALTH_JSON_VERSION, renderHealth, withConfigPath } from '../../src/health/report';
import { connectClient } from '../../src/temporal/connection';
import { healthQuery, healthStateIdFor } from '../../workflows/health-messages';
import { CliError, EXIT } from '../errors';
import { guard, guardAction } from '../guard';
import { EVERY } from '../schedules';
import { configOrExit } from './shared';

/** The guard's shortest interval: a health check of the cluster takes a few seconds on real nodes. */
const GUARD_MIN_EVERY_MS = 5_000;

export function registerHealthCommands(program: Command): void {
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
      const report = await healthCheck(new WorkerResources(), config).catch((err: unknown) => {
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
}
