/**
 * OpenSSH key lines (sshd(8) "AUTHORIZED_KEYS FILE FORMAT" and "SSH_KNOWN_HOSTS FILE FORMAT"): authorized_keys lines
 * may start with options, known_hosts lines with the host patterns (hashed `|1|...` ones too, as `ssh-keygen -F`
 * prints them), a *.pub file is the key alone. Only what the checks compare: the key's type, its base64 blob and
 * the words after it (the comment; `root@<node>` for the keys pvecm puts into /etc/pve/priv/authorized_keys).
 */
import { createHash } from 'node:crypto';

export interface SshKey {
  type: string;
  blob: string;
  comment: string;
}

const KEY_TYPE = /^(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-\S+@openssh\.com)$/;

export function parseKeyLines(text: string): SshKey[] {
  const keys: SshKey[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    // Comments, and @cert-authority / @revoked markers, which are no host's own key.
    if (!trimmed || trimmed.startsWith('#') || trimmed.startsWith('@')) continue;
    const words = trimmed.split(/\s+/);
    const at = words.findIndex((w) => KEY_TYPE.test(w));
    if (at < 0 || !words[at + 1]) continue;
    keys.push({ type: words[at], blob: words[at + 1], comment: words.slice(at + 2).join(' ') });
  }
  return keys;
}

/** The key's fingerprint as `ssh-keygen -l` prints it by default (SHA256, base64 without padding). */
export function keyFingerprint(key: Pick<SshKey, 'blob'>): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(key.blob, 'base64')).digest('base64').replace(/=+$/, '')}`;
}
