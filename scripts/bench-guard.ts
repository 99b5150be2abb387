/**
 * Benchmark (root, the rehearsal lab): time from a fault to the webhook receiving the guard's alert, and from the
 * fix to the recovery notice, with `guard --every <interval>`, N times per fault; prints each and the median.
 *   npx tsx scripts/bench-guard.ts [interval=30s] [runs=3] [faults=qnetd-stopped,qdevice-dead,unplugged]
 */
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { buildLabCluster, webhookFor } from '../test/helpers/guard';
import { LAB_DIR, freshLab, lab } from '../test/helpers/lab';
import { cli, exited, startDevServer, startWorker, stop, type Proc } from '../test/helpers/processes';

const [interval = '30s', runsArg = '3', faultsArg = 'qnetd-stopped,qdevice-dead,unplugged'] = process.argv.slice(2);
const FAULT_HOST: Record<string, string> = { 'qnetd-stopped': 'qnetd', 'qdevice-dead': 'pve2', unplugged: 'qnetd' };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { config, path } = freshLab();
  await buildLabCluster(config);
  const hook = await webhookFor(path, 'bench');
  const arrivals = hook.received;
  const port = 18333;
  const procs: Proc[] = [await startDevServer(port, join(LAB_DIR, 'bench.db')), startWorker(port)];
  const waitFor = async (status: string, count: number) => {
    while (arrivals.filter((a) => a.alert.status === status).length < count) await delay(200);
    return arrivals.filter((a) => a.alert.status === status)[count - 1].at;
  };
  try {
    if ((await exited(cli(port, 'guard', hook.configPath, '--every', interval))) !== 0) throw new Error('guard failed');
    await delay(5_000);
    let alerts = 0;
    let recoveries = 0;
    for (const fault of faultsArg.split(',')) {
      const toAlert: number[] = [];
      const toRecovery: number[] = [];
      for (let i = 0; i < Number(runsArg); i++) {
        const injected = Date.now();
        lab('fault', FAULT_HOST[fault], fault, 'on');
        toAlert.push((await waitFor('CRITICAL', ++alerts)) - injected);
        const fixed = Date.now();
        lab('fault', FAULT_HOST[fault], fault, 'off');
        toRecovery.push((await waitFor('OK', ++recoveries)) - fixed);
        console.log(`${fault} run ${i + 1}: alert after ${(toAlert[i] / 1000).toFixed(1)} s, recovery notice after ${(toRecovery[i] / 1000).toFixed(1)} s`);
      }
      console.log(
        `${fault} with --every ${interval}: median alert ${(median(toAlert) / 1000).toFixed(1)} s, median recovery ${(median(toRecovery) / 1000).toFixed(1)} s`,
      );
    }
  } finally {
    for (const p of procs) await stop(p, 'SIGKILL');
    hook.close();
    lab('down');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
