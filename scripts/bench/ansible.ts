/**
 * The same preflight command set run by ansible-core against the same lab hosts, with its fastest settings
 * (pipelining, ControlPersist, one fork per host). ansible-core is installed from PyPI into a git-ignored venv
 * (.cache/bench-venv) by the benchmark itself.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterConfig } from '../../src/config/schema';
import { allHosts, listCommands } from '../../src/step-kit/commands';
import { cacheDir } from '../../src/paths';
import { preflightCommands } from '../../steps/preflight';
import { LAB_DIR } from '../../lab/driver/lab';

const VENV = join(cacheDir(), 'bench-venv');

function ensureAnsible(): string {
  const playbook = join(VENV, 'bin', 'ansible-playbook');
  if (!existsSync(playbook)) {
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
    execFileSync(join(VENV, 'bin', 'pip'), ['install', '--quiet', 'ansible-core'], { stdio: 'inherit' });
  }
  return playbook;
}

export interface AnsibleRun {
  version: string;
  run: () => { startMs: number; endMs: number };
}

/** Prepares the venv, inventory and playbook; run() executes the playbook once and returns its wall-clock window. */
export function ansiblePreflight(config: ClusterConfig): AnsibleRun {
  const playbookBin = ensureAnsible();
  const dir = mkdtempSync(join(tmpdir(), 'pve-twonode-ansible-'));
  const commands = listCommands(preflightCommands(config));
  const hosts = Object.fromEntries(
    allHosts(config).map((h) => [h.name, { ansible_host: h.ip, cmds: commands.filter((c) => c.host === h.name).map((c) => c.command) }]),
  );
  writeFileSync(join(dir, 'inventory.json'), JSON.stringify({ all: { hosts, vars: { ansible_user: 'root' } } }));
  writeFileSync(
    join(dir, 'preflight.yml'),
    [
      '- hosts: all',
      '  gather_facts: false',
      '  tasks:',
      '    - ansible.builtin.shell: "{{ item }}"',
      '      loop: "{{ cmds }}"',
      '      changed_when: false',
      // pvecm status exits non-zero outside a cluster; preflight reads the answer either way.
      '      failed_when: false',
      '',
    ].join('\n'),
  );
  const ssh = `-o ControlMaster=auto -o ControlPersist=60s -o ControlPath=${dir}/cm-%%h -o IdentitiesOnly=yes -o UserKnownHostsFile=${LAB_DIR}/keys/known_hosts -o StrictHostKeyChecking=yes`;
  writeFileSync(
    join(dir, 'ansible.cfg'),
    [
      '[defaults]',
      `inventory = ${dir}/inventory.json`,
      `private_key_file = ${LAB_DIR}/keys/id_ed25519`,
      'forks = 3',
      'interpreter_python = /usr/bin/python3',
      '[ssh_connection]',
      'pipelining = True',
      `ssh_args = ${ssh}`,
      '',
    ].join('\n'),
  );
  const env = { ...process.env, ANSIBLE_CONFIG: join(dir, 'ansible.cfg') };
  const version = execFileSync(playbookBin, ['--version'], { encoding: 'utf8', env }).split('\n')[0];
  return {
    version,
    run() {
      const startMs = Date.now();
      try {
        execFileSync(playbookBin, [join(dir, 'preflight.yml')], { encoding: 'utf8', env, cwd: dir });
      } catch (err) {
        throw new Error(`ansible-playbook failed: ${(err as { stdout?: string }).stdout?.slice(-3000) ?? String(err)}`);
      }
      return { startMs, endMs: Date.now() };
    },
  };
}
