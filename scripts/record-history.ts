/**
 * Harvests the histories replay tests pin (test/histories/) from real runs on the rehearsal lab: run the lab tier
 * with PVE_TWONODE_RECORD_HISTORIES=<dir> (every dev server then keeps its database there), then
 * `npm run record-history -- <dir>`. Each database is opened by a dev server of its own; of every workflow type and
 * way of ending (completed, rejected, refused, repaired, failed, cancelled, ...) the shortest history is written as
 * `<workflowType>-<ending>.json`, and the longest (retries, a killed worker, the failover test) as `...-longest.json`. Real activities, real hosts, failure and rejection paths as the lab tests drive
 * them; docs/workflow-versions.md says when to record again.
 */
import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { devServerArgs, temporalCliPath } from '../cli/server';
import { projectRoot } from '../src/paths';

const PORT = 19433;

interface Recorded {
  name: string;
  events: number;
  history: History;
}

/** How a run ended, in the words its result uses: a completed run's outcome ("rejected", "refused"), else its status. */
async function endingOf(client: Client, workflowId: string, runId: string, status: string): Promise<string> {
  if (status !== 'COMPLETED') return status.toLowerCase();
  const result: unknown = await client.workflow.getHandle(workflowId, runId).result();
  const outcome = (result as { outcome?: unknown } | null)?.outcome;
  return typeof outcome === 'string' ? outcome : 'completed';
}

async function harvest(dbFile: string, into: Map<string, Recorded>): Promise<void> {
  const server = spawn(temporalCliPath(), devServerArgs({ port: PORT, dbFile }), { stdio: 'ignore' });
  try {
    let connection: Connection | undefined;
    for (let i = 0; i < 100 && !connection; i++)
      connection = await Connection.connect({ address: `127.0.0.1:${PORT}` }).catch(() => delay(300).then(() => undefined));
    if (!connection) throw new Error(`no dev server on ${dbFile}`);
    const client = new Client({ connection });
    for await (const run of client.workflow.list()) {
      const ending = await endingOf(client, run.workflowId, run.runId, run.status.name);
      const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      const name = `${run.type}-${ending}`;
      const events = history.events?.length ?? 0;
      if (!into.has(name) || into.get(name)!.events > events) into.set(name, { name, events, history });
      // The longest too: the run that went through the most (retries, a worker killed, the failover test).
      const longest = `${name}-longest`;
      if (!into.has(longest) || into.get(longest)!.events < events) into.set(longest, { name: longest, events, history });
    }
    await connection.close();
  } finally {
    server.kill('SIGKILL');
    await delay(500);
  }
}

async function main(dir: string): Promise<void> {
  const recorded = new Map<string, Recorded>();
  for (const db of readdirSync(dir).filter((f) => f.endsWith('.db'))) {
    await harvest(join(dir, db), recorded);
    console.log(`${db}: ${recorded.size} kinds of run so far`);
  }
  // A kind seen once: its longest is its shortest, kept once.
  for (const [name, r] of recorded) if (name.endsWith('-longest') && recorded.get(name.replace(/-longest$/, ''))?.events === r.events) recorded.delete(name);
  for (const r of [...recorded.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(projectRoot(), 'test', 'histories', `${r.name}.json`);
    writeFileSync(path, `${historyToJSON(r.history)}\n`);
    console.log(`wrote ${path} (${r.events} events)`);
  }
}

const dir = process.argv[2];
if (!dir) {
  console.error('usage: npm run record-history -- <dir the lab tier recorded into (PVE_TWONODE_RECORD_HISTORIES)>');
  process.exit(2);
}
main(dir).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
