/**
 * One host's root logging in to another by key, the way pvecm does it without a TTY (ssh-copy-id, then BatchMode ssh):
 * the client's /root/.ssh/id_rsa authorised on the server, and the server's host key in the client's known_hosts.
 * The host key pinned is the one whose fingerprint cluster.yaml holds, read over our own pinned connection: never
 * trust-on-first-use. Used by join-prereqs (node 2 -> node 1) and qdevice-prereqs (node 1 -> the VM).
 */
import type { HostConfig } from '../config/schema';
import { sh } from '../ssh/quote';
import { backup, on, template, type CommandSet } from './commands';
import type { StepContext } from './descriptor';
import { postconditionFailed, preconditionFailed } from './failures';

export const LOGIN_PROOF_REUSE_MS = 10 * 60_000;

const LOGIN_KEX = 'curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group14-sha256';

export function rootTrustCommands(client: HostConfig, server: HostConfig) {
  const known = '/root/.ssh/known_hosts';
  return {
    // pvecm hard-codes /root/.ssh/id_rsa (ssh-copy-id -i /root/.ssh/id_rsa).
    clientKey: on(client, 'check', 'cat /root/.ssh/id_rsa.pub 2>/dev/null'),
    clientKeygen: on(client, 'act', "ssh-keygen -q -t rsa -b 4096 -N '' -C root@$(hostname) -f /root/.ssh/id_rsa"),
    serverAuthorized: template(`<${client.name}:/root/.ssh/id_rsa.pub>`, (pubkey) =>
      on(server, 'check', sh`grep -qxF ${pubkey} /root/.ssh/authorized_keys && echo authorized`),
    ),
    // On PVE authorized_keys links into /etc/pve/priv; the backup keeps its content, >> writes through the link.
    serverAuthorize: template(`<${client.name}:/root/.ssh/id_rsa.pub>`, (pubkey) =>
      on(server, 'act', `install -d -m 700 /root/.ssh && ${backup('/root/.ssh/authorized_keys')} && ${sh`printf '%s\\n' ${pubkey}`} >> "$f" && chmod 600 "$f"`),
    ),
    // "SHA256:<fp> <type> <base64>" per host key, so the step picks the key cluster.yaml pins.
    serverHostKeys: on(
      server,
      'check',
      'for k in /etc/ssh/ssh_host_*_key.pub; do printf \'%s %s\\n\' "$(ssh-keygen -lf "$k" | cut -d" " -f2)" "$(cut -d" " -f1,2 "$k")"; done',
    ),
    clientKnownEntries: on(client, 'check', sh`ssh-keygen -F ${server.ip} -f ${known} 2>/dev/null | grep -v '^#' || true`),
    clientPin: template(`<${server.name} host key matching ssh.host_key in cluster.yaml>`, (hostKey) =>
      on(
        client,
        'act',
        `install -d -m 700 /root/.ssh && ${backup(known)} && ${sh`{ ssh-keygen -R ${server.ip} -f "$f" >/dev/null 2>&1; rm -f "$f.old"; printf '%s %s\\n' ${server.ip} ${hostKey} >> "$f"; }`}`,
      ),
    ),
    // The key exchange is pinned to classic ones every sshd offers: OpenSSH 9's default (sntrup761x25519) costs the
    // client some 80 ms of CPU per login (seen on the lab). The login proves the same thing (key, known host,
    // PermitRootLogin); the names are ones OpenSSH 7.4 and later all know.
    // The health check re-proves a login that worked every LOGIN_PROOF_REUSE_MS, not every minute: a root login is
    // a line in the server's auth log each time and the costliest read of a pass, while what it rests on (the key,
    // the authorized_keys line, the known_hosts entry) is read every pass. A guide run or repair always logs in.
    clientLogin: on(
      client,
      'verify',
      sh`ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=10 -o KexAlgorithms=${LOGIN_KEX} -i /root/.ssh/id_rsa root@${server.ip} true && echo ok`,
      { reuseForMs: LOGIN_PROOF_REUSE_MS },
    ),
  } satisfies CommandSet;
}

export interface RootTrustState {
  pubkey: string;
  authorized: boolean;
  /** "<type> <base64>" of the server key cluster.yaml pins. */
  pinnedKey: string;
  knowsServer: boolean;
}

/** The server's host keys as "<type> <base64>", the one whose fingerprint cluster.yaml pins first. */
async function serverHostKeys(ctx: StepContext, server: HostConfig, c: ReturnType<typeof rootTrustCommands>): Promise<{ pinned: string; all: string[] }> {
  const lines = (await ctx.output(c.serverHostKeys)).split('\n').filter(Boolean);
  const match = lines.find((l) => l.split(' ')[0] === server.ssh.host_key);
  if (!match)
    throw preconditionFailed(
      `none of ${server.name}'s host keys has the fingerprint ${server.ssh.host_key} from cluster.yaml (ssh.host_key); check it with ssh-keygen -lf on ${server.name}`,
    );
  const keyOf = (line: string) => line.split(' ').slice(1, 3).join(' ');
  return { pinned: keyOf(match), all: lines.map(keyOf) };
}

/**
 * The client knows the server when its known_hosts holds the pinned key for the server's address, and nothing for
 * that address that is not one of the server's own host keys (a stale entry makes ssh refuse the server). OpenSSH's
 * UpdateHostKeys (on by default) adds the server's other keys (rsa, ecdsa) after every login: those are the server's,
 * so they are not work left (seen on real PVE nodes, where the pinned-key-only rule re-pinned on every run).
 */
export function knowsServerKeys(entries: string[], pinnedKey: string, serverKeys: string[]): boolean {
  const isServerKey = (entry: string) => serverKeys.some((k) => entry.endsWith(` ${k}`));
  return entries.some((e) => e.endsWith(` ${pinnedKey}`)) && entries.every(isServerKey);
}

export async function checkRootTrust(ctx: StepContext, client: HostConfig, server: HostConfig): Promise<RootTrustState> {
  const c = rootTrustCommands(client, server);
  // Only the authorized_keys read needs an earlier answer (the client's key); the rest are asked at once.
  const [pubkey, keys, entries] = await Promise.all([
    ctx.run(c.clientKey).then((r) => r.stdout.trim()),
    serverHostKeys(ctx, server, c),
    ctx.run(c.clientKnownEntries).then((r) => r.stdout.split('\n').filter(Boolean)),
  ]);
  const authorized = pubkey !== '' && (await ctx.run(c.serverAuthorized(pubkey))).stdout.includes('authorized');
  return { pubkey, authorized, pinnedKey: keys.pinned, knowsServer: knowsServerKeys(entries, keys.pinned, keys.all) };
}

export const rootTrustDone = (s: RootTrustState) => s.authorized && s.knowsServer;

/** Creates what checkRootTrust found missing; returns what changed, for the step's report. */
export async function establishRootTrust(ctx: StepContext, client: HostConfig, server: HostConfig, state: RootTrustState): Promise<string[]> {
  const c = rootTrustCommands(client, server);
  const changes: string[] = [];
  let pubkey = state.pubkey;
  if (!pubkey) {
    await ctx.run(c.clientKeygen);
    pubkey = (await ctx.output(c.clientKey)).trim();
    changes.push(`/root/.ssh/id_rsa on ${client.name}`);
  }
  if (!state.authorized && !(await ctx.run(c.serverAuthorized(pubkey))).stdout.includes('authorized')) {
    await ctx.output(c.serverAuthorize(pubkey));
    changes.push(`${client.name} key in ${server.name}:/root/.ssh/authorized_keys`);
  }
  if (!state.knowsServer) {
    await ctx.output(c.clientPin(state.pinnedKey));
    changes.push(`${server.name} host key (pinned) in ${client.name}:/root/.ssh/known_hosts`);
  }
  return changes;
}

/** The post-condition: the client logs in to the server as root by key in BatchMode, strict host key checking on. */
export async function verifyRootLogin(ctx: StepContext, client: HostConfig, server: HostConfig): Promise<void> {
  const login = await ctx.run(rootTrustCommands(client, server).clientLogin);
  if (!login.stdout.includes('ok'))
    throw postconditionFailed(
      `${client.name} cannot log in to ${server.name} as root with /root/.ssh/id_rsa in BatchMode: ${login.stderr.trim()} (check PermitRootLogin and /root/.ssh permissions on ${server.name})`,
    );
}
