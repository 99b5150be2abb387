/**
 * `npm run bench` (root, the rehearsal lab): where a step's time goes. Brings a fresh lab up, runs the guide once
 * through a dev server and an in-process worker (with the SSH pool, as `pve-twonode worker` runs), then the read-only
 * pass cold and warm, the same preflight commands through ansible-core, and many read-only passes for memory.
 * Host time is measured on the hosts (lab-timing.log), never by the worker.
 *   npm run bench -- [--passes 1000] [--warmup 400] [--warm 20] [--no-ansible]
 * MALLOC_ARENA_MAX=2 as deploy/pve-twonode-worker.service sets it (package.json).
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities, WorkerResources } from '../activities';
import { healthCheck } from '../activities/health-check';
import { readOnlyPass } from '../activities/read-only-pass';
import { waits } from '../activities/runtime/step-context';
import { startGuide } from '../cli/start';
import { readyKeys } from '../cli/worker-keys';
import { SshPool } from '../src/ssh/pool';
import { SshSession } from '../src/ssh/session';
import { TASK_QUEUE } from '../src/temporal/connection';
import { LOGIN_PROOF_REUSE_MS } from '../src/step-kit/root-trust';
import { preflight } from '../steps/preflight';
import { approveSignal, progressQuery } from '../workflows/messages';
import { LAB_DIR, freshLab, lab } from '../lab/driver/lab';
import { startDevServer, stop } from '../lab/driver/processes';
import { ansiblePreflight } from './bench/ansible';
import { hostCommandTimes, hostTimeWithin } from './bench/host-time';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const PASSES = option('--passes', 1000);
const WARM = option('--warm', 20);
const WARMUP = option('--warmup', 400);
const PORT = 18633;
const HOSTS = ['pve1', 'pve2', 'qnetd'];

interface ActivityRun {
  type: string;
  startMs: number;
  endMs: number;
  handshakes: number;
  /** Asleep between the probes of a wait: the cluster's own time to reach a state. */
  waitedMs: number;
}

const ms = (n: number) => `${Math.round(n)}`.padStart(6);
const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-').padStart(7);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Every activity, timed in the worker, with the SSH handshakes it made. */
function timedActivities(resources: WorkerResources, runs: ActivityRun[]) {
  return Object.fromEntries(
    Object.entries(createActivities(resources)).map(([type, fn]) => [
      type,
      async (...a: never[]) => {
        const run = { type, startMs: Date.now(), endMs: 0, handshakes: SshSession.handshakes, waitedMs: waits.sleptMs };
        try {
          return await fn(...a);
        } finally {
          run.endMs = Date.now();
          run.handshakes = SshSession.handshakes - run.handshakes;
          run.waitedMs = waits.sleptMs - run.waitedMs;
          runs.push(run);
        }
      },
    ]),
  );
}

/** One table row; a guide step also gets its waits (asleep between probes), its overhead without them, and its history time. */
function printRow(
  label: string,
  wallMs: number,
  fromMs: number,
  toMs: number,
  handshakes: number | string,
  step?: { waitedMs: number; temporalMs?: number },
): { overheadMs: number; netMs: number; wallMs: number } {
  const host = hostTimeWithin(hostCommandTimes(HOSTS), fromMs, toMs);
  const overheadMs = wallMs - host.busyMs;
  const netMs = overheadMs - (step?.waitedMs ?? 0);
  const extra = step ? ` ${ms(step.waitedMs)} ${ms(netMs)} ${pct(netMs, wallMs)} ${step.temporalMs === undefined ? '' : ms(step.temporalMs).padStart(8)}` : '';
  console.log(
    `${label.padEnd(22)} ${ms(wallMs)} ${ms(host.busyMs)} ${String(host.commands).padStart(5)} ${ms(overheadMs)} ${pct(overheadMs, wallMs)} ${String(handshakes).padStart(5)}${extra}`,
  );
  return { overheadMs, netMs, wallMs };
}

const HEADER = `${'step'.padEnd(22)} ${'wall'.padStart(6)} ${'host'.padStart(6)} ${'cmds'.padStart(5)} ${'ovh ms'.padStart(6)} ${'ovh %'.padStart(7)} ${'hshk'.padStart(5)}`;

async function runGuide(client: Client, runs: ActivityRun[]): Promise<void> {
  const handle = await startGuide(client, freshLabConfig);
  for (;;) {
    const progress = await handle.query(progressQuery);
    if (['completed', 'failed', 'rejected', 'cancelled'].includes(progress.state)) {
      if (progress.state !== 'completed') throw new Error(`guide ${progress.state}: ${JSON.stringify(progress.steps.map((s) => [s.step, s.message]))}`);
      break;
    }
    if (progress.awaiting?.gate) await handle.signal(approveSignal, { step: progress.awaiting.gate });
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(
    '\n== the guide, once (clean lab; gates approved at once). wall: the activity in the worker; host: union of host command time; ' +
      'ovh: wall - host; waited: asleep between the probes of a wait (the cluster reaching a state); net: ovh - waited; temporal: scheduled to completed in the history (adds the server and task dispatch); ms',
  );
  console.log(`${HEADER} ${'waited'.padStart(6)} ${'net'.padStart(6)} ${'net %'.padStart(7)} ${'temporal'.padStart(8)}`);
  const dispatched = await historyDurations(handle);
  const rows = runs.map((r) => ({
    ...r,
    ...printRow(r.type, r.endMs - r.startMs, r.startMs, r.endMs, r.handshakes, { waitedMs: r.waitedMs, temporalMs: dispatched.get(r.type)?.shift() }),
  }));
  const quick = rows.filter((r) => !r.type.startsWith('failover') && !r.type.startsWith('send') && r.wallMs > 0);
  const worst = (key: 'overheadMs' | 'netMs') => quick.reduce((a, b) => (b[key] > a[key] ? b : a));
  const sum = (key: 'overheadMs' | 'netMs' | 'wallMs') => quick.reduce((n, r) => n + r[key], 0);
  console.log(
    `non-failover steps together: overhead ${Math.round(sum('overheadMs'))} of ${Math.round(sum('wallMs'))} ms wall (${pct(sum('overheadMs'), sum('wallMs')).trim()}); without waits ${Math.round(sum('netMs'))} ms (${pct(sum('netMs'), sum('wallMs')).trim()})`,
  );
  const within = quick.filter((r) => r.netMs <= 0.05 * r.wallMs).map((r) => r.type);
  console.log(`non-failover steps within 5% of their own wall time without waits: ${within.length} of ${quick.length} (${within.join(', ')})`);
  console.log(
    `non-failover steps: worst overhead ${Math.round(worst('overheadMs').overheadMs)} ms (${worst('overheadMs').type}), median ${Math.round(median(quick.map((r) => r.overheadMs)))} ms; ` +
      `without waits: worst ${Math.round(worst('netMs').netMs)} ms (${worst('netMs').type}), median ${Math.round(median(quick.map((r) => r.netMs)))} ms`,
  );
}

/** Per activity type, in order: scheduled to completed, from the run's history. */
async function historyDurations(handle: { fetchHistory(): Promise<temporal.api.history.v1.IHistory> }): Promise<Map<string, number[]>> {
  const at = (t: temporal.api.history.v1.IHistoryEvent['eventTime']) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
  const scheduled = new Map<string, { type: string; ms: number }>();
  const durations = new Map<string, number[]>();
  for (const e of (await handle.fetchHistory()).events ?? []) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), { type: s.activityType?.name ?? '?', ms: at(e.eventTime) });
    const done = e.activityTaskCompletedEventAttributes;
    const from = done && scheduled.get(String(done.scheduledEventId));
    if (from) durations.set(from.type, [...(durations.get(from.type) ?? []), at(e.eventTime) - from.ms]);
  }
  return durations;
}

let freshLabConfig: ReturnType<typeof freshLab>['config'];

function openSockets(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
    } catch {
      return false;
    }
  }).length;
}

async function readOnlyPasses(worker: WorkerResources): Promise<void> {
  console.log(`\n== the read-only pass of one cluster (all steps at once), cold then ${WARM} warm passes; ms`);
  console.log(HEADER);
  const cold = new SshPool();
  let before = SshSession.handshakes;
  let started = Date.now();
  let pass = await readOnlyPass(new WorkerResources(cold), freshLabConfig);
  await settled();
  printRow(`cold (${pass.verdict})`, pass.wallMs, started, started + pass.wallMs, SshSession.handshakes - before);
  cold.close();
  await readOnlyPass(worker, freshLabConfig); // fills the worker's pool
  const walls: number[] = [];
  for (let i = 0; i < WARM; i++) {
    before = SshSession.handshakes;
    started = Date.now();
    pass = await readOnlyPass(worker, freshLabConfig);
    walls.push(pass.wallMs);
    if (i < 3) {
      await settled();
      printRow(`warm #${i + 1} (${pass.verdict})`, pass.wallMs, started, started + pass.wallMs, SshSession.handshakes - before);
    }
  }
  await settled();
  printSlowest(started);
  console.log(`warm passes: median ${median(walls)} ms, min ${Math.min(...walls)}, max ${Math.max(...walls)} (${WARM} passes)`);
  const proving: number[] = [];
  for (let i = 0; i < 5; i++) {
    worker.reads.clear();
    proving.push((await readOnlyPass(worker, freshLabConfig)).wallMs);
  }
  console.log(
    `warm passes that re-prove node 1's root login to the VM (the guard's pass every ${LOGIN_PROOF_REUSE_MS / 60_000} min): median ${median(proving)} ms, min ${Math.min(...proving)}, max ${Math.max(...proving)} (5 passes)`,
  );
}

/**
 * A batch of reads answers its last read a moment before its script ends on the host and logs its time: the host
 * logs are read once the hosts are done.
 */
const settled = () => new Promise((r) => setTimeout(r, 300));

function printSlowest(since: number): void {
  const last = hostCommandTimes(HOSTS).filter((t) => t.startMs >= since);
  const slowest = [...last].sort((a, b) => b.endMs - b.startMs - (a.endMs - a.startMs)).slice(0, 6);
  console.log(
    `slowest host commands of the last pass: ${slowest.map((t) => `${t.host}$ ${t.command.slice(0, 60)} ${Math.round(t.endMs - t.startMs)} ms`).join('; ')}`,
  );
}

/** What the guard runs every minute: the health check, the read-only pass of the steps whose result is a health fact. */
async function healthPasses(worker: WorkerResources): Promise<void> {
  console.log(`\n== the guard's health check of one cluster (the steps that are health facts, at once), ${WARM} warm passes; ms`);
  console.log(HEADER);
  const walls: number[] = [];
  let started = 0;
  for (let i = 0; i < WARM; i++) {
    const before = SshSession.handshakes;
    started = Date.now();
    const report = await healthCheck(worker, freshLabConfig);
    walls.push(report.wallMs);
    if (i < 3) {
      await settled();
      printRow(`warm #${i + 1} (${report.status})`, report.wallMs, started, started + report.wallMs, SshSession.handshakes - before);
    }
  }
  await settled();
  printSlowest(started);
  console.log(`warm health checks: median ${median(walls)} ms, min ${Math.min(...walls)}, max ${Math.max(...walls)} (${WARM} passes)`);
}

async function compareWithAnsible(worker: WorkerResources): Promise<void> {
  console.log('\n== the preflight command set: pve-twonode (no pool: connects first; warm pool) and ansible-core (pipelining, ControlPersist, forks 3); ms');
  const ansible = ansiblePreflight(freshLabConfig);
  console.log(`${ansible.version}`);
  console.log(HEADER);
  const coldStarted = Date.now();
  const cold = await readOnlyPass(new WorkerResources(null), freshLabConfig, [preflight]);
  await settled();
  printRow('pve-twonode (no pool)', cold.wallMs, coldStarted, coldStarted + cold.wallMs, '-');
  const ours: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = Date.now();
    const pass = await readOnlyPass(worker, freshLabConfig, [preflight]);
    ours.push(pass.wallMs);
    if (i === 0) {
      await settled();
      printRow('pve-twonode (warm)', pass.wallMs, started, started + pass.wallMs, '-');
    }
  }
  const theirs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const { startMs, endMs } = ansible.run();
    theirs.push(endMs - startMs);
    if (i < 2) printRow(`ansible-core #${i + 1}`, endMs - startMs, startMs, endMs, '-');
  }
  console.log(
    `preflight medians over 5 runs: pve-twonode ${median(ours)} ms, ansible-core ${median(theirs)} ms: ansible-core takes ${(median(theirs) / median(ours)).toFixed(1)}x as long`,
  );
}

/** V8's full collection, which node offers only behind --expose-gc: garbage not yet collected is not growth. */
function fullGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * RSS by where it lives (/proc/self/smaps): the brk heap is glibc's main malloc arena; anonymous mappings hold V8's
 * heaps (the workflow thread's too), thread stacks, other malloc arenas and large allocations; files are code pages.
 */
function rssParts(): { brk: number; mapped: number; files: number } {
  const parts = { brk: 0, mapped: 0, files: 0 };
  let part: keyof typeof parts = 'mapped';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (mapping) part = mapping[1] === '[heap]' ? 'brk' : mapping[1].startsWith('/') ? 'files' : 'mapped';
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) parts[part] += Number(rss[1]) * 1024;
  }
  return parts;
}

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const mean = (f: (p: { x: number; y: number }) => number) => points.reduce((n, p) => n + f(p), 0) / points.length;
  const mx = mean((p) => p.x);
  const my = mean((p) => p.y);
  return mean((p) => (p.x - mx) * (p.y - my)) / mean((p) => (p.x - mx) ** 2);
}

/**
 * Growth is measured after a warm-up: in its first few hundred passes V8 sizes its young generation to the
 * allocation rate (heap total about 68 to 100 MiB on the lab), a one-time step, not growth.
 */
async function memory(worker: WorkerResources): Promise<void> {
  console.log(
    `\n== ${WARMUP} read-only passes to warm up, then ${PASSES} measured, in one worker process: RSS and open sockets; then the same after a full GC`,
  );
  const gc = fullGc();
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  const measured: { pass: number; rss: number; heap: number; sockets: number }[] = [];
  const sample = (i: number) => {
    const now = process.memoryUsage();
    gc();
    const collected = process.memoryUsage();
    const { brk, mapped, files } = rssParts();
    const sockets = openSockets();
    if (i >= WARMUP) measured.push({ pass: i, rss: collected.rss, heap: collected.heapUsed, sockets });
    console.log(
      `after ${String(i).padStart(5)} passes${i === WARMUP ? ' (warm)' : ''}: RSS ${mib(now.rss)}, heap ${mib(now.heapUsed)}, open sockets ${sockets}; after a full GC: RSS ${mib(collected.rss)} ` +
        `(malloc's brk heap ${mib(brk)}, other anonymous ${mib(mapped)}, files ${mib(files)}), heap ${mib(collected.heapUsed)} of ${mib(collected.heapTotal)}, outside the heap ${mib(collected.external)}`,
    );
  };
  sample(0);
  const started = Date.now();
  const every = Math.max(1, Math.floor(PASSES / 10));
  for (let i = 1; i <= WARMUP + PASSES; i++) {
    await readOnlyPass(worker, freshLabConfig);
    if (i === WARMUP || (i > WARMUP && (i - WARMUP) % every === 0)) sample(i);
  }
  console.log(`${WARMUP + PASSES} passes in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const [first, last] = [measured[0], measured[measured.length - 1]];
  const perThousand = (key: 'rss' | 'heap') => (1000 * slope(measured.map((m) => ({ x: m.pass, y: m[key] })))) / 2 ** 20;
  console.log(
    `over the ${PASSES} measured passes, after a full GC: RSS ${mib(first.rss)} -> ${mib(last.rss)} (trend ${perThousand('rss').toFixed(2)} MiB per 1,000 passes), ` +
      `heap ${mib(first.heap)} -> ${mib(last.heap)} (trend ${perThousand('heap').toFixed(2)}), open sockets ${first.sockets} -> ${last.sockets} (at most ${Math.max(...measured.map((m) => m.sockets))})`,
  );
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs the rehearsal lab: run it as root');
  console.log(`# pve-twonode bench, ${new Date().toISOString()}, node ${process.version}, MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? '(unset)'}`);
  const fresh = freshLab();
  freshLabConfig = fresh.config;
  // As `pve-twonode worker --config` does before it polls: bcrypt_pbkdf once per process, not inside the first step.
  console.log(`worker start (--config): ${readyKeys(fresh.path, freshLabConfig)}`);
  // The worker's per-command log lines would drown the tables.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const server = await startDevServer(PORT, join(LAB_DIR, 'bench.db'));
  const pool = new SshPool();
  // The worker's resources, shared by its activities and the passes below, as `pve-twonode worker` shares them.
  const resources = new WorkerResources(pool);
  const runs: ActivityRun[] = [];
  const connection = await NativeConnection.connect({ address: `127.0.0.1:${PORT}` });
  const worker = await Worker.create({
    connection,
    taskQueue: TASK_QUEUE,
    workflowsPath: require.resolve('../workflows'),
    activities: timedActivities(resources, runs),
    maxHeartbeatThrottleInterval: '5s',
  });
  const running = worker.run();
  try {
    const client = new Client({ connection: await Connection.connect({ address: `127.0.0.1:${PORT}` }) });
    await runGuide(client, runs);
    await readOnlyPasses(resources);
    await healthPasses(resources);
    if (!args.includes('--no-ansible')) await compareWithAnsible(resources);
    await memory(resources);
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    pool.close();
    await stop(server, 'SIGKILL');
    lab('down');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
