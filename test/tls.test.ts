/**
 * The connection to a production Temporal service: the CLI and the worker through a real TLS terminator (nginx,
 * client certificates required, an API key checked) in front of the dev server, configured only with the variables a
 * Temporal Cloud user sets (TEMPORAL_ADDRESS, TEMPORAL_TLS_*, TEMPORAL_API_KEY). The worker answering a query over it
 * proves both directions; a client certificate from another CA, no certificate and a wrong API key are refused
 * with one clear line (exit 7).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXIT } from '../cli/errors';
import { rawTestConfig } from './helpers/config';
import { cliWithEnv, exited, startDevServer, stop, type Proc } from '../lab/driver/processes';
import { makeCa, makeCert, nginxMissing, startTerminator } from './helpers/tls';

const SERVER = 18133;
const TLS_PORT = 18134;
const API_KEY = 'test-api-key-6f1c';

describe('through a TLS terminator, as to a production Temporal service', { skip: nginxMissing() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pve-twonode-tls-'));
  const procs: Proc[] = [];
  let terminator: { stop(): void; log(): string };
  let env: Record<string, string>;
  let client: { cert: string; key: string };
  let stranger: { cert: string; key: string };

  before(async () => {
    makeCa(dir, 'ca');
    makeCa(dir, 'other-ca');
    makeCert(dir, 'ca', 'server', true);
    client = makeCert(dir, 'ca', 'worker');
    stranger = makeCert(dir, 'other-ca', 'stranger');
    procs.push(await startDevServer(SERVER, join(dir, 'tls.db')));
    terminator = await startTerminator(dir, TLS_PORT, SERVER, 'ca', API_KEY);
    env = {
      TEMPORAL_ADDRESS: `localhost:${TLS_PORT}`,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TLS: 'true',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'ca.crt'),
      TEMPORAL_TLS_CLIENT_CERT_PATH: client.cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: client.key,
      TEMPORAL_API_KEY: API_KEY,
    };
  });
  after(async () => {
    for (const p of procs) await stop(p, 'SIGKILL');
    terminator?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (extra: Record<string, string>, ...args: string[]) => {
    const p = cliWithEnv({ ...env, ...extra }, ...args);
    return { code: await exited(p), out: p.output() };
  };

  it('the CLI starts a run and the worker serves it, both only through the terminator', async () => {
    const file = join(dir, 'cluster.yaml');
    // Gated before its first step: the run waits, and only a worker can answer its progress query.
    writeFileSync(file, JSON.stringify(rawTestConfig({ cluster: { name: 'tls' }, approvals: { steps: ['preflight'] }, failover: { enabled: false } })));
    const started = await run({}, 'start', file);
    assert.equal(started.code, 0, started.out);
    const noWorker = await run({}, 'status', 'tls');
    assert.equal(noWorker.code, EXIT.noWorker, noWorker.out);
    const worker = cliWithEnv(env, 'worker');
    procs.push(worker);
    let status = await run({}, 'status', 'tls');
    for (let i = 0; i < 30 && status.code !== 0; i++) status = await run({}, 'status', 'tls');
    assert.equal(status.code, 0, `${status.out}\n${worker.output()}`);
    assert.match(status.out, /Run report for cluster tls: waiting-for-approval/);
  });

  it('a client certificate from another CA is refused with one clear line', async () => {
    const r = await run({ TEMPORAL_TLS_CLIENT_CERT_PATH: stranger.cert, TEMPORAL_TLS_CLIENT_KEY_PATH: stranger.key }, 'clusters');
    assert.equal(r.code, EXIT.permissionDenied, r.out);
    assert.match(
      r.out,
      /^permission denied by Temporal at localhost:18134 \(namespace default\): check TEMPORAL_API_KEY or the TLS client certificate \(TEMPORAL_TLS_CLIENT_CERT_PATH\)\n$/,
    );
    assert.doesNotMatch(r.out, /\n\s+at /, 'no stack trace');
  });

  it('no client certificate at all, and a wrong API key, are refused too; an untrusted server is named', async () => {
    const withoutCert = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('TEMPORAL_TLS_CLIENT_')));
    const bare = cliWithEnv(withoutCert, 'clusters');
    assert.equal(await exited(bare), EXIT.permissionDenied, bare.output());
    const key = await run({ TEMPORAL_API_KEY: 'wrong' }, 'clusters');
    assert.equal(key.code, EXIT.permissionDenied, key.out);
    assert.match(key.out, /permission denied by Temporal at localhost:18134 .*TEMPORAL_API_KEY/);
    const untrusted = await run({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'other-ca.crt') }, 'clusters');
    assert.equal(untrusted.code, EXIT.temporalUnreachable, untrusted.out);
    assert.match(untrusted.out, /over TLS: .*TEMPORAL_TLS_SERVER_CA_CERT_PATH/);
  });
});
