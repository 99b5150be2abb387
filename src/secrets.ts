/** Resolves secret references on the worker; values never enter workflow input, history or host argv. */
import { readFileSync } from 'node:fs';
import type { SecretRef } from './config/schema';

export class SecretUnavailableError extends Error {
  override name = 'SecretUnavailableError';
}

export function describeSecretRef(ref: SecretRef): string {
  return 'env' in ref ? `environment variable ${ref.env}` : `file ${ref.file}`;
}

export function resolveSecret(ref: SecretRef): string {
  if ('env' in ref) {
    const value = process.env[ref.env];
    if (!value) throw new SecretUnavailableError(`${describeSecretRef(ref)} is not set on the worker`);
    return value;
  }
  try {
    return readFileSync(ref.file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new SecretUnavailableError(`${describeSecretRef(ref)} cannot be read on the worker: ${(err as Error).message}`);
  }
}
