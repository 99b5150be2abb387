/**
 * A TLS terminator in front of the dev server, as a production Temporal service sits behind one: Debian's nginx with
 * grpc_pass, a CA, server and client certificates made here with openssl, client certificates required, and an API
 * key checked on the authorization header.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export const NGINX = '/usr/sbin/nginx';

const openssl = (dir: string, ...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });

/** A CA and a key pair it signed; `name` is the subject (and for a server, its names). */
export function makeCa(dir: string, ca: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${ca}`, '-keyout', `${ca}.key`, '-out', `${ca}.crt`);
}

export function makeCert(dir: string, ca: string, name: string, server = false): { cert: string; key: string } {
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, server ? 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' : 'extendedKeyUsage=clientAuth\n');
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    ext,
    '-out',
    `${name}.crt`,
  );
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** nginx on `port`, TLS with client certificates of `ca`, the API key required, forwarding gRPC to the dev server. */
export async function startTerminator(dir: string, port: number, upstream: number, ca: string, apiKey: string): Promise<{ stop(): void; log(): string }> {
  mkdirSync(join(dir, 'nginx'), { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
# One process, so stopping it leaves no worker holding the port.
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log info;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/nginx;
  server {
    listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${dir}/server.crt;
    ssl_certificate_key ${dir}/server.key;
    ssl_client_certificate ${dir}/${ca}.crt;
    ssl_verify_client on;
    # A missing or foreign client certificate (nginx's 496 and 495) answered as a gRPC service does: 403 is
    # PERMISSION_DENIED (nginx's own answer would be a 400 page, which gRPC clients read as INTERNAL).
    error_page 495 496 =403 /refused;
    location = /refused { return 403; }
    location / {
      # The API key as Temporal Cloud checks it: "authorization: Bearer <key>" (401 is gRPC UNAUTHENTICATED).
      if ($http_authorization != "Bearer ${apiKey}") { return 401; }
      grpc_pass grpc://127.0.0.1:${upstream};
    }
  }
}
`,
  );
  const child: ChildProcess = spawn(NGINX, ['-e', join(dir, 'nginx-error.log'), '-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  for (let i = 0; i < 100 && !(await listening(port)); i++) await delay(50);
  if (!(await listening(port))) throw new Error(`nginx did not start: ${log}`);
  return { stop: () => void child.kill('SIGKILL'), log: () => log };
}

export const nginxMissing = () => (existsSync(NGINX) ? false : 'nginx missing: run scripts/install-system-packages.sh');
