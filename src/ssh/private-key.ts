/**
 * The worker's private key, read and decrypted once per file (until the file changes): decrypting an OpenSSH key
 * with a passphrase runs bcrypt_pbkdf in JavaScript, a few hundred ms of CPU that every connect paid before. The
 * decrypted key stays in this process's memory, as it did inside ssh2 before.
 */
import { readFileSync, statSync } from 'node:fs';
import { utils, type ParsedKey } from 'ssh2';
import type { HostConfig } from '../config/schema';
import { resolveSecret } from '../secrets';
import { PrivateKeyError } from './errors';

const parsed = new Map<string, { version: string; key: ParsedKey }>();

export function privateKeyFor(host: HostConfig, auth: { key_file: string; passphrase?: Parameters<typeof resolveSecret>[0] }): ParsedKey {
  const stat = statSync(auth.key_file, { throwIfNoEntry: false });
  if (!stat) throw new PrivateKeyError(host.name, auth.key_file, 'no such file');
  const version = `${stat.mtimeMs} ${stat.size} ${JSON.stringify(auth.passphrase ?? null)}`;
  const cached = parsed.get(auth.key_file);
  if (cached?.version === version) return cached.key;
  const key = utils.parseKey(readFileSync(auth.key_file), auth.passphrase ? resolveSecret(auth.passphrase) : undefined);
  if (key instanceof Error) throw new PrivateKeyError(host.name, auth.key_file, key.message);
  if (!key.isPrivateKey()) throw new PrivateKeyError(host.name, auth.key_file, 'it holds no private key');
  parsed.set(auth.key_file, { version, key });
  return key;
}
