/** `worker --config`: a cluster's SSH keys decrypted before the worker polls, or a one-line reason it cannot start. */
import type { ClusterConfig } from '../src/config/schema';
import { SecretUnavailableError } from '../src/secrets';
import { PrivateKeyError } from '../src/ssh/errors';
import { decryptKeysOf } from '../src/ssh/private-key';
import { CliError, EXIT } from './errors';

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
