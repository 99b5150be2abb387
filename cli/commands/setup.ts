/** The commands that prepare and start the guide: validate, init, plan, steps, start. */
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { loadConfig } from '../../src/config/load';
import type { SecretRef } from '../../src/config/schema';
import { projectRoot } from '../../src/paths';
import { CliError, EXIT } from '../errors';
import { initConfig, writeConfig, type Ask, type InitOptions } from '../init';
import { planFor, renderPlan } from '../plan';
import { startGuide } from '../start';
import { renderStepTable } from '../step-table';
import { configOrExit, followAndReport, link } from './shared';
import { connectClient } from '../../src/temporal/connection';

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

export function registerSetupCommands(program: Command): void {
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
}
