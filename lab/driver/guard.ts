/** For the guard's lab test and benchmark: a cluster the guide's own steps built, and a webhook receiver on loopback. */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { runStep } from '../../activities/runtime/run-step';
import { WorkerResources } from '../../activities/runtime/resources';
import type { ClusterConfig } from '../../src/config/schema';
import type { Alert } from '../../src/health/alerts';
import type { AnyStep } from '../../src/step-kit/descriptor';
import type { StepResult } from '../../src/step-kit/result';
import { GUIDE_STEPS } from '../../steps';
import { LAB_DIR } from './lab';

const BUILD = ['hosts', 'time', 'create', 'join-prereqs', 'join', 'qnetd', 'qdevice-prereqs', 'qdevice', 'ha'];

/** Attempts per step, as the guide's activity retry policy would make on a retryable failure (a command timed out). */
const ATTEMPTS = 3;

/**
 * The guide's steps up to HA, each run as its activity would (no workflow, no failover test), retried as the workflow
 * retries a step: a login probe right after the join once hung for its whole 120 s timeout on the lab and the next
 * attempt passed, which the workflow would have done by itself.
 */
export async function buildLabCluster(config: ClusterConfig): Promise<void> {
  for (const name of BUILD) {
    const step = GUIDE_STEPS.find((s) => s.name === name) as AnyStep;
    for (let attempt = 1; ; attempt++) {
      try {
        await new MockActivityEnvironment().run<[], StepResult, () => Promise<StepResult>>(() => runStep(new WorkerResources(), step, config));
        break;
      } catch (err) {
        if (attempt >= ATTEMPTS || (err instanceof ApplicationFailure && err.nonRetryable)) throw err;
        console.log(`# lab build: ${name} attempt ${attempt} failed (${err instanceof Error ? err.message : String(err)}); retrying`);
        await delay(5_000);
      }
    }
  }
}

export interface WebhookReceiver {
  received: { alert: Alert; at: number }[];
  close(): void;
}

/** Listens on loopback and writes a copy of cluster.yaml whose notify.webhook points at it; returns the copy's path. */
export async function webhookFor(configPath: string, name: string): Promise<WebhookReceiver & { configPath: string }> {
  const received: WebhookReceiver['received'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ alert: JSON.parse(body) as Alert, at: Date.now() });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const guarded = join(LAB_DIR, `${name}.yaml`);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  writeFileSync(guarded, `${readFileSync(configPath, 'utf8')}notify:\n  webhook: { url: '${url}' }\n  remind: 6h\n`);
  return { received, configPath: guarded, close: () => void server.close() };
}
