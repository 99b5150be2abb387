/**
 * Benchmark (root, the rehearsal lab): time from a fault to the webhook receiving the guard's alert, and from the
 * fix to the recovery notice, with `guard --every <interval>`, N times per fault; prints each and the median.
 *   npx tsx scripts/bench-guard.ts [interval=30s] [runs=3] [faults=all, or a comma list of lab/driver/faults.ts]
 * The time runs from the start of the injection (expected-low takes about 35 s to inject: a node powered off first).
 */
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { LAB_FAULTS, labFault } from '../lab/driver/faults';
import { buildLabCluster, webhookFor } from '../lab/driver/guard';
import { LAB_DIR, freshLab, lab, labAsync } from '../lab/driver/lab';
import { cli, exited, startDevServer, startWorker, stop, type Proc } from '../lab/driver/processes';

const [interval = '30s', runsArg = '3', faultsArg = 'all'] = process.argv.slice(2);
const faults = faultsArg === 'all' ? LAB_FAULTS : faultsArg.split(',').map(labFault);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const { config, path } = freshLab();
  await buildLabCluster(config);
  const hook = await webhookFor(path, 'bench');
  const arrivals = hook.received;
  const port = 18333;
  const procs: Proc[] = [await startDevServer(port, join(LAB_DIR, 'bench.db')), startWorker(port)];
  // Each fault gives one alert and one recovery notice, in order: the n-th arrival's time.
  const arrival = async (n: number) => {
    while (arrivals.length < n) await delay(200);
    return arrivals[n - 1].at;
  };
  try {
    if ((await exited(cli(port, 'guard', hook.configPath, '--every', interval))) !== 0) throw new Error('guard failed');
    await delay(5_000);
    let expected = 0;
    for (const { fault, host } of faults) {
      const toAlert: number[] = [];
      const toRecovery: number[] = [];
      for (let i = 0; i < Number(runsArg); i++) {
        const injected = Date.now();
        await labAsync('fault', host, fault, 'on');
        toAlert.push((await arrival(++expected)) - injected);
        const fixed = Date.now();
        await labAsync('fault', host, fault, 'off');
        toRecovery.push((await arrival(++expected)) - fixed);
        console.log(`${fault} run ${i + 1}: alert after ${(toAlert[i] / 1000).toFixed(1)} s, recovery notice after ${(toRecovery[i] / 1000).toFixed(1)} s`);
      }
      const kinds = arrivals.map((a) => `${a.alert.previous}->${a.alert.status}`);
      if (kinds.length !== expected) console.log(`!! ${kinds.length} notices for ${expected} expected: ${kinds.join(', ')}`);
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
