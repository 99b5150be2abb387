/**
 * Reads in the read-only pass, against a real sshd: it asks at its start the reads its last pass of the same cluster
 * asked (a read asked only after another starts with it the next time), and takes a read's success as still true
 * for as long as the read allows (HostCommand.reuseForMs), never a failure.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { readOnlyPass } from '../activities/read-only-pass';
import { HostSessions, SshStepContext } from '../activities/runtime/step-context';
import type { ClusterConfig } from '../src/config/schema';
import { on } from '../src/step-kit/commands';
import type { AnyStep, StepContext } from '../src/step-kit/descriptor';
import { sshdWithDir } from './helpers/sshd';
import { WorkerResources } from '../activities/runtime/resources';

describe('the read-only pass asks the last pass’s reads ahead (real sshd)', () => {
  const suite = sshdWithDir('pve-twonode-ahead-');

  it('a read asked after another starts with it on the next pass; both answers are the hosts’', async () => {
    const [sshd, dir] = [suite.sshd(), suite.dir()];
    const config = { cluster: { name: `ahead-${process.pid}` }, nodes: [sshd.host], qdevice: sshd.host } as unknown as ClusterConfig;
    const log = join(dir, 'log');
    // "first" takes 600 ms; "second" is asked only once it has answered, as a login probe after the key checks.
    const first = on(sshd.host, 'check', `echo "first $(date +%s%N)" >> ${log}; sleep 0.6; echo one`);
    const second = on(sshd.host, 'verify', `echo "second $(date +%s%N)" >> ${log}; echo two`);
    const step = {
      name: 'two-reads',
      hosts: () => [sshd.host.name],
      check: async (ctx: StepContext) => ({ done: (await ctx.output(first)).trim() === 'one', state: null }),
      verify: async (ctx: StepContext) => ({ summary: (await ctx.output(second)).trim(), facts: {} }),
    } as unknown as AnyStep;
    const startsOf = () => {
      const lines = readFileSync(log, 'utf8').trim().split('\n').slice(-2);
      const at = (name: string) => Number(lines.find((l) => l.startsWith(name))?.split(' ')[1]) / 1e6;
      return at('second') - at('first');
    };
    // One worker's resources: the second pass knows what the first asked.
    const worker = new WorkerResources();
    const cold = await readOnlyPass(worker, config, [step]);
    assert.deepEqual([cold.verdict, cold.steps[0].reason], ['pass', 'two']);
    assert.ok(startsOf() >= 550, `first pass: the second read waits for the first (${startsOf()} ms apart)`);
    const warm = await readOnlyPass(worker, config, [step]);
    assert.deepEqual([warm.verdict, warm.steps[0].reason], ['pass', 'two']);
    assert.ok(startsOf() < 300, `next pass: both reads start together (${startsOf()} ms apart)`);
    assert.equal(readFileSync(log, 'utf8').trim().split('\n').length, 4, 'each read ran once per pass');
  });

  it('a read that may be reused is asked again only when its success is older than it allows; a failure always is', async () => {
    const [sshd, dir] = [suite.sshd(), suite.dir()];
    const config = { cluster: { name: `reuse-${process.pid}` }, nodes: [sshd.host], qdevice: sshd.host } as unknown as ClusterConfig;
    const log = join(dir, 'reuse-log');
    const proof = on(sshd.host, 'verify', `echo proof >> ${log}; echo ok`, { reuseForMs: 1_500 });
    const broken = on(sshd.host, 'verify', `echo broken >> ${log}; exit 1`, { reuseForMs: 1_500 });
    const step = {
      name: 'proofs',
      hosts: () => [sshd.host.name],
      check: () => Promise.resolve({ done: true, state: null }),
      verify: async (ctx: StepContext) => {
        const [ok, failed] = await Promise.all([ctx.run(proof), ctx.run(broken)]);
        return { summary: `${ok.stdout.trim()} ${failed.code}`, facts: {} };
      },
    } as unknown as AnyStep;
    const ran = () => readFileSync(log, 'utf8').trim().split('\n');
    const worker = new WorkerResources();
    for (let i = 0; i < 3; i++) assert.equal((await readOnlyPass(worker, config, [step])).steps[0].reason, 'ok 1');
    assert.deepEqual(ran().sort(), ['broken', 'broken', 'broken', 'proof'], 'the proof once in three passes, the failure every pass');
    // A guide run or repair (not read-only) always asks.
    const ctx = new SshStepContext(config, 'proofs', false, new HostSessions(config, worker));
    await ctx.run(proof);
    ctx.close();
    assert.equal(ran().filter((l) => l === 'proof').length, 2);
    await delay(1_600);
    await readOnlyPass(worker, config, [step]);
    assert.equal(ran().filter((l) => l === 'proof').length, 3, 'asked again once its success is older than 1.5 s');
  });
});
