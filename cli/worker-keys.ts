/** `worker --config`: a cluster's SSH keys decrypted before the worker polls, or a one-line reason it cannot start. */
import type { ClusterConfig } from '../src/config/schema';
import { SecretUnavailableError } from '../src/secrets';
import { PrivateKeyError } from '../src/ssh/errors';
import { privateKeyFor } from '../src/ssh/private-key';
import { allHosts } from '../src/step-kit/commands';
import { CliError, EXIT } from './errors';

/** Decrypts every key the cluster's hosts are reached with, each once; returns their files. */
function decryptKeysOf(config: ClusterConfig): string[] {
  const files = new Set<string>();
  for (const host of allHosts(config)) {
    const auth = host.ssh.auth;
    if (!('key_file' in auth)) continue;
    privateKeyFor(host, auth);
    files.add(auth.key_file);
  }
  return [...files];
}

/**
 * The worker does this at start for the clusters it is given, so a wrong passphrase stops it before any run and the
 * guide's first step does not wait for bcrypt_pbkdf: one line saying so, or a CliError naming the field.
 */
export function readyKeys(file: string, config: ClusterConfig): string {
  const started = performance.now();
  try {
    const files = decryptKeysOf(config);
    return `${file}: SSH key ${files.join(', ') || '(ssh-agent)'} ready in ${Math.round(performance.now() - started)} ms`;
  } catch (err) {
    if (err instanceof PrivateKeyError) throw new CliError(`${file}: ${err.message}`, EXIT.usage);
    // The only secret a key needs is its passphrase.
    if (err instanceof SecretUnavailableError) throw new CliError(`${file}: ssh.auth.passphrase: ${err.message}`, EXIT.usage);
    throw err;
  }
}
