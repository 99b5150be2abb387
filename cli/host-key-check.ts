/**
 * `approve <cluster> reinstalled-<node> --host-key SHA256:...`: the key a person read on the node's console, compared
 * with what the node presents before the approval is sent (as `init` compares before any credential goes out). The
 * node's address comes from the config file the run was started from; the run itself pins the key again on its first
 * connection, so a key that changes in between still stops it.
 */
import { loadConfig } from '../src/config/load';
import { SshSession } from '../src/ssh/session';
import { configPathMemoKey } from '../workflows/messages';
import { REINSTALLED_GATE_PREFIX } from '../workflows/repair-messages';
import { CliError, EXIT } from './errors';
import type { GuideHandle } from './start';

export async function checkPresentedKey(handle: GuideHandle, gate: string, hostKey: string): Promise<string> {
  const node = gate.slice(REINSTALLED_GATE_PREFIX.length);
  const configPath = (await handle.describe()).memo?.[configPathMemoKey];
  let host: { ip: string; ssh: { port: number } } | undefined;
  try {
    host = typeof configPath === 'string' ? loadConfig(configPath).nodes.find((n) => n.name === node) : undefined;
  } catch {
    host = undefined;
  }
  if (!host) return `${node}'s key not checked here (the run's config file is not readable on this machine): the run checks it before it sends anything`;
  const seen = await SshSession.presentedKey(host.ip, host.ssh.port);
  if (seen === null) throw new CliError(`${node} (${host.ip}) does not answer SSH: approve once the reinstall has finished and it is up`, EXIT.usage);
  if (seen !== hostKey)
    throw new CliError(
      `refused: ${node} (${host.ip}) presents ${seen}, not ${hostKey}; read the key on its console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub): if they differ, something else answers at that address`,
      EXIT.usage,
    );
  return `${node} (${host.ip}) presents ${seen}, as given`;
}
