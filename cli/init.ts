/**
 * `pve-twonode init`: writes cluster.yaml from the hosts themselves. Each host key is confirmed by a person (or
 * compared with a fingerprint given on the command line) before any credential is sent; then the hostnames, the
 * Proxmox versions, node 1's API certificate fingerprint and the guests are read. No secret is read or stored:
 * the root password is a file reference the owner fills in.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { clusterConfigSchema, type HostConfig, type SecretRef } from '../src/config/schema';
import { SshSession } from '../src/ssh/session';
import { CliError, EXIT } from './errors';

export type Role = 'node1' | 'node2' | 'qdevice';
const ROLES: Role[] = ['node1', 'node2', 'qdevice'];

export interface InitOptions {
  ips: Record<Role, string>;
  keyFile: string;
  port: number;
  /** Fingerprints the person already has (SHA256:...); a host presenting another key is refused. */
  hostKeys: Partial<Record<Role, string>>;
  /** Never ask: every host key must then be given. */
  yes: boolean;
  name: string;
  join: 'api' | 'use_ssh';
  passwordFile: string;
  /** Where the key's passphrase is read (a file or an environment variable), as the worker reads it; never the value. */
  passphrase?: SecretRef;
}

/** Asks a person a question on the terminal; absent when there is none. */
export type Ask = (question: string) => Promise<string>;

interface Node1Facts {
  apiFingerprint: string;
  guests: { sid: string; name: string }[];
}

interface Found {
  ip: string;
  hostKey: string;
  hostname: string;
  detail: string;
  /** Read on node 1 only, over the same confirmed connection. */
  node1?: Node1Facts;
}

function hostFor(role: Role, options: InitOptions): HostConfig {
  return {
    name: role,
    ip: options.ips[role],
    ssh: {
      port: options.port,
      user: 'root',
      host_key: options.hostKeys[role] ?? 'SHA256:unconfirmed',
      auth: { key_file: options.keyFile, ...(options.passphrase ? { passphrase: options.passphrase } : {}) },
    },
  };
}

async function confirmHostKey(role: Role, options: InitOptions, fingerprint: string, ask?: Ask): Promise<boolean> {
  const given = options.hostKeys[role];
  if (given) return fingerprint === given;
  if (options.yes || !ask) return false;
  const answer = await ask(
    `${role} (${options.ips[role]}) presents host key ${fingerprint}.\n` +
      `  Compare it with \`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\` on that host's console. Is it the same? [y/N] `,
  );
  return /^y(es)?$/i.test(answer.trim());
}

async function visit(role: Role, options: InitOptions, ask?: Ask): Promise<Found> {
  const host = hostFor(role, options);
  let seen = '';
  let session: SshSession;
  try {
    session = await SshSession.open(host, 10_000, async (fingerprint) => confirmHostKey(role, options, (seen = fingerprint), ask));
  } catch (err) {
    if (!seen) throw new CliError(`${role}: cannot connect to ${host.ip}:${host.ssh.port}: ${err instanceof Error ? err.message : String(err)}`, EXIT.usage);
    const given = options.hostKeys[role];
    if (given) throw new CliError(`${role} (${host.ip}) presents host key ${seen}, not the ${given} given with --${role}-key: refused`, EXIT.usage);
    if (options.yes || !ask)
      throw new CliError(
        `${role} (${host.ip}) presents host key ${seen}: give it with --${role}-key after checking it out of band (--yes never trusts a key it was not given)`,
        EXIT.usage,
      );
    throw new CliError(`${role} (${host.ip}): host key ${seen} not confirmed; nothing written`, EXIT.usage);
  }
  try {
    const out = async (command: string) => (await session.run(command)).stdout.trim();
    const hostname = await out('hostname');
    const detail = role === 'qdevice' ? await out('. /etc/os-release && echo "$PRETTY_NAME"') : await out('pveversion 2>/dev/null');
    await checkRole(role, host.ip, detail, out);
    return { ip: host.ip, hostKey: seen, hostname, detail, node1: role === 'node1' ? await readNode1(session) : undefined };
  } finally {
    session.close();
  }
}

/**
 * The host is what its role needs: a node is a Proxmox VE node (pveversion answers, /etc/pve is there), the QDevice
 * VM is not one (a third PVE node as the QDevice would be a 3-node cluster's member, not a vote from outside).
 */
async function checkRole(role: Role, ip: string, detail: string, out: (command: string) => Promise<string>): Promise<void> {
  const pve = async () => /^pve-manager\//.test(await out('pveversion 2>/dev/null')) && (await out('test -d /etc/pve && echo yes')) === 'yes';
  if (role !== 'qdevice' && !(/^pve-manager\//.test(detail) && (await pve())))
    throw new CliError(`--${role} ${ip} is not a Proxmox VE node (no pveversion or no /etc/pve there): give the address of a node`, EXIT.usage);
  if (role === 'qdevice' && (await pve()))
    throw new CliError(`--qdevice ${ip} is a Proxmox VE node (${await out('pveversion')}): give the small Debian VM that will run corosync-qnetd`, EXIT.usage);
}

/** node 1's API certificate fingerprint (pveproxy-ssl.pem when the owner installed one, else pve-ssl.pem) and its guests. */
async function readNode1(session: SshSession): Promise<Node1Facts> {
  const dir = '/etc/pve/nodes/$(hostname)';
  const cert = await session.run(
    `for c in ${dir}/pveproxy-ssl.pem ${dir}/pve-ssl.pem; do [ -f "$c" ] && { openssl x509 -noout -fingerprint -sha256 -in "$c" | cut -d= -f2; break; }; done`,
  );
  const guests = await session.run(
    `for f in ${dir}/qemu-server/*.conf ${dir}/lxc/*.conf; do [ -e "$f" ] && echo "$f $(sed -n 's/^name: //p;s/^hostname: //p' "$f" | head -1)"; done`,
  );
  return {
    apiFingerprint: cert.stdout.trim(),
    guests: guests.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [path, name = ''] = line.split(' ');
        const id = /(\d+)\.conf$/.exec(path)?.[1] ?? '?';
        return { sid: `${path.includes('/lxc/') ? 'ct' : 'vm'}:${id}`, name };
      }),
  };
}

const passphraseYaml = (ref?: SecretRef) => (!ref ? '' : 'file' in ref ? `, passphrase: { file: ${ref.file} }` : `, passphrase: { env: ${ref.env} }`);

function renderYaml(options: InitOptions, found: Record<Role, Found>, node1: Node1Facts): string {
  const host = (f: Found, indent: string) =>
    [
      `${indent}ip: ${f.ip}`,
      `${indent}ssh:`,
      options.port !== 22 ? `${indent}  port: ${options.port}` : null,
      `${indent}  host_key: ${f.hostKey}   # confirmed when this file was written`,
      `${indent}  auth: { key_file: ${options.keyFile}${passphraseYaml(options.passphrase)} }`,
    ].filter((l) => l !== null);
  const join =
    options.join === 'api'
      ? [
          'join:',
          '  method: api',
          `  password: { file: ${options.passwordFile} }   # a file holding ${found.node1.hostname}'s root password (mode 600), read only by the worker`,
          `  fingerprint: ${node1.apiFingerprint}   # ${found.node1.hostname}'s API certificate, read over the confirmed SSH connection`,
        ]
      : ['join:', "  method: use_ssh   # the join-prereqs step authorises node 2's root key on node 1; no password"];
  const ha = node1.guests.length
    ? [
        'ha:',
        `  resources:   # guests found on ${found.node1.hostname}; keep only those that must fail over (shared or replicated storage)`,
        ...node1.guests.map((g) => `    - { sid: ${g.sid}, preferred_node: ${found.node1.hostname} }${g.name ? `   # ${g.name}` : ''}`),
      ]
    : ['ha:', `  resources: []   # no guests found on ${found.node1.hostname}; add e.g. { sid: vm:100, preferred_node: ${found.node1.hostname} }`];
  return [
    `# cluster.yaml written by 'pve-twonode init' on ${new Date().toISOString()}; every key: examples/cluster.yaml.`,
    `# ${found.node1.hostname}: ${found.node1.detail}; ${found.node2.hostname}: ${found.node2.detail}; ${found.qdevice.hostname}: ${found.qdevice.detail}`,
    'cluster:',
    `  name: ${options.name}   # cannot change later`,
    'nodes:',
    `  - name: ${found.node1.hostname}   # creates the cluster`,
    ...host(found.node1, '    '),
    `  - name: ${found.node2.hostname}   # joins it`,
    ...host(found.node2, '    '),
    'qdevice:',
    `  name: ${found.qdevice.hostname}`,
    ...host(found.qdevice, '  '),
    'ntp:',
    "  servers: [0.debian.pool.ntp.org, 1.debian.pool.ntp.org]   # the guide's; use your own or your country's pool",
    ...join,
    ...ha,
    'failover:',
    '  enabled: false   # the power-cut test: set true with power_off/power_on commands (IPMI, smart plug) or { manual: true }',
    '',
  ].join('\n');
}

export async function initConfig(options: InitOptions, ask?: Ask): Promise<string> {
  const found = {} as Record<Role, Found>;
  for (const role of ROLES) found[role] = await visit(role, options, ask);
  const text = renderYaml(options, found, found.node1.node1!);
  // What validate would say, before the file exists.
  const checked = clusterConfigSchema.safeParse(parse(text));
  if (!checked.success)
    throw new CliError(
      `the hosts do not make a valid cluster.yaml: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      EXIT.usage,
    );
  return text;
}

export function writeConfig(path: string, text: string, force: boolean): void {
  if (existsSync(path) && !force) throw new CliError(`${path} exists; give --force to replace it or --out another path`, EXIT.usage);
  writeFileSync(path, text, { mode: 0o644 });
}
