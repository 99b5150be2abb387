/** The long-running processes and the lab: worker, server, and lab up/down/faults. */
import { Option, type Command } from 'commander';
import { TASK_QUEUE } from '../../src/temporal/connection';
import { labFaultHelp, runLab } from '../lab';
import { runDevServer } from '../server';
import { readyKeys } from '../worker-keys';
import { configOrExit } from './shared';

export function registerProcessCommands(program: Command): void {
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
      const { runWorker } = await import('../../worker');
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
    .command('reinstall <host>')
    .description(
      "the host's disk wiped and installed afresh, same name and address: new host keys and root key, in no cluster; prints the new ed25519 fingerprint (replace-node's reinstalled-<node>)",
    )
    .action((host: string) => void (process.exitCode = runLab(['reinstall', host])));
  lab
    .command('publish-updates')
    .description("newer packages for every host in the lab's apt repository, a new kernel among them (pve-twonode update installs them)")
    .action(() => void (process.exitCode = runLab(['publish-updates'])));
  lab
    .command('fault <host> <fault> [state]')
    .description(`${labFaultHelp()} (state on|off)`)
    .action((host: string, fault: string, state?: string) => void (process.exitCode = runLab(['fault', host, fault, state ?? 'on'])));
}
