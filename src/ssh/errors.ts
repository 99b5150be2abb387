/** SSH failures, split into the ones a retry can fix and the ones a person must fix. */

export class SshError extends Error {
  /** false: retrying cannot help (wrong key, wrong credentials). */
  readonly retryable: boolean = true;
  constructor(
    readonly host: string,
    message: string,
  ) {
    super(`${host}: ${message}`);
    this.name = new.target.name;
  }
}

export class HostKeyMismatchError extends SshError {
  override readonly retryable = false;
  constructor(
    host: string,
    readonly expected: string,
    /** The fingerprint the host presented (a check of a key given by a person compares with it). */
    readonly seen: string,
  ) {
    super(
      host,
      `host key mismatch: config pins ${expected} but the host presented ${seen}. If the host was reinstalled, check the key out of band and update ssh.host_key; otherwise someone may be intercepting the connection.`,
    );
  }
}

export class AuthenticationError extends SshError {
  override readonly retryable = false;
  constructor(host: string, user: string) {
    super(host, `authentication as ${user} failed: check ssh.auth (key file or ssh-agent) and that the key is in ~${user}/.ssh/authorized_keys on the host`);
  }
}

/** The key file cannot be read or decrypted: a person must fix ssh.auth. */
export class PrivateKeyError extends SshError {
  override readonly retryable = false;
  constructor(host: string, file: string, reason: string) {
    super(host, `cannot use the private key ${file}: ${reason}; check ssh.auth.key_file and ssh.auth.passphrase`);
  }
}

export class ConnectionError extends SshError {}

/** The connection could not open a channel for a command, so the command never started: sending it again is safe. */
export class ChannelOpenError extends ConnectionError {}

export class CommandTimeoutError extends SshError {
  constructor(host: string, command: string, timeoutMs: number) {
    super(host, `command timed out after ${timeoutMs} ms: ${command}`);
  }
}

export class CommandAbortedError extends SshError {
  override readonly retryable = false;
  constructor(host: string, command: string) {
    super(host, `command aborted (cancellation): ${command}`);
  }
}
