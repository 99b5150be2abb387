/// <reference lib="dom" />
/**
 * The whole guide against the rehearsal lab through a real Temporal dev server (SQLite file) and worker:
 * once as a person runs it (`pve-twonode start --auto-approve --follow`), with the secrets searched for in every
 * trace the run leaves; once with faults injected mid-run. (The SSH join and the retried preflight are in
 * lab-e2e-join.test.ts, a process of their own: after these two runs they once stalled in the same process.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { readOnlyPass } from '../activities/read-only-pass';
import { loadConfig } from '../src/config/load';
import { startGuide, type GuideHandle } from '../cli/start';
import { approveSignal, progressQuery } from '../workflows/messages';
import type { RunProgress } from '../workflows/progress';
import { ARTIFACTS, launchChromium } from './helpers/browser';
import { temporalCliPath } from '../cli/server';
import { LAB_DIR, assertThreeVotes, audit, freshLab, hostCommandTimes, inHost, lab, labSuiteResources, labUnavailable } from './helpers/lab';
import { historyText, payloadText } from './helpers/temporal';
import { cli, exited, startDevServer, startWorker, stop } from '../lab/driver/processes';
import { WorkerResources } from '../activities/runtime/resources';

/** A run that hangs fails here instead of holding CI until its own limit. */
const E2E_TIMEOUT_MS = 15 * 60_000;

const ACT =
  /^(cd \/ && )?(pvecm (create|add|qdevice setup)\b|ha-manager (add|rules add)\b|apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install)/;
const actsOn = (host: string) => audit(host).filter((c) => ACT.test(c));

/** The dev server's Web UI in a real browser: the step summaries on the run's page, the run found by its search attribute. */
async function checkTemporalUi(ui: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
    await page.goto(`${ui}/namespaces/default/workflows/pve-twonode-labclu`);
    const summaries = [
      'create: pvecm create on pve1',
      'join: pvecm add on pve2',
      'qdevice: pvecm qdevice setup on pve1',
      'ha: ha-manager add on pve1',
      'failover: watch pve2 take over vm:100',
      // The real HA takes longer to recover than down_for (30 s here), so no down-time timer runs: the next stage.
      'failover: wait for pve1 and 3 of 3 votes',
    ];
    // textContent includes the timeline's SVG labels, scrolled into view or not.
    await page.waitForFunction((texts) => texts.every((t) => document.body.textContent?.includes(t)), summaries, { timeout: 30_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'ui-workflow.png') });
    await page.goto(`${ui}/namespaces/default/workflows?query=${encodeURIComponent('PveCluster="labclu"')}`);
    await page.waitForFunction(() => document.body.textContent?.includes('pve-twonode-labclu') && /1 Workflow/.test(document.body.textContent), undefined, {
      timeout: 30_000,
    });
    await page.screenshot({ path: join(ARTIFACTS, 'ui-list-by-cluster.png') });
    console.log(`# Temporal UI checked in Chromium; screenshots in ${ARTIFACTS}`);
  } finally {
    await browser.close();
  }
}

/** Every process's command line on the machine (the lab hosts' processes included), sampled until stopped. */
function sampleCommandLines(): { stop(): string[] } {
  const seen = new Set<string>();
  const sample = () => {
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p)))
      try {
        seen.add(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
      } catch {
        // gone meanwhile
      }
  };
  const timer = setInterval(sample, 100);
  return {
    stop() {
      clearInterval(timer);
      return [...seen];
    },
  };
}

/** The run's pending activities (their heartbeat details decoded), as `workflow describe` shows them, sampled until stopped. */
function sampleHeartbeats(port: number, workflowId: string): { stop(): Promise<string> } {
  const seen: string[] = [];
  let running = true;
  const loop = (async () => {
    const client = new Client({ connection: await Connection.connect({ address: `127.0.0.1:${port}` }) });
    while (running) {
      const pending = await client.workflow
        .getHandle(workflowId)
        .describe()
        .then((d) => d.raw.pendingActivities ?? [])
        .catch(() => []);
      if (pending.length > 0) seen.push(payloadText(pending));
      await delay(200);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seen.join('\n');
    },
  };
}

/** How often each secret occurs in each trace; all zero is the only good answer. */
function secretOccurrences(secrets: Record<string, string>, traces: Record<string, string>): string[] {
  return Object.entries(secrets).flatMap(([secret, value]) =>
    Object.entries(traces)
      .map(([trace, text]) => [trace, text.split(value).length - 1] as const)
      .filter(([, n]) => n > 0)
      .map(([trace, n]) => `${secret} ${n}x in ${trace}`),
  );
}

describe('the whole guide against the rehearsal lab, through a real dev server', { skip: labUnavailable() }, () => {
  const { dir, procs } = labSuiteResources('pve-twonode-e2e-');

  it('pve-twonode start --auto-approve --follow completes every step, with the failover measured', { timeout: E2E_TIMEOUT_MS }, async () => {
    const { path } = freshLab();
    const port = 17433;
    procs.push(await startDevServer(port, join(dir, 'clean.db')));
    const worker = startWorker(port);
    procs.push(worker);
    const commandLines = sampleCommandLines();
    const heartbeats = sampleHeartbeats(port, 'pve-twonode-labclu');
    const started = Date.now();
    const run = cli(port, 'start', path, '--auto-approve', '--follow');
    const code = await exited(run);
    const cmdlines = commandLines.stop();
    const heartbeatText = await heartbeats.stop();
    console.log(`# end-to-end run: ${((Date.now() - started) / 1000).toFixed(1)} s\n${run.output().split('Run report')[1] ?? run.output()}`);
    assert.equal(code, 0, run.output());
    assert.match(run.output(), /Run report for cluster labclu: completed/);
    for (const gate of ['create', 'join', 'qdevice', 'ha', 'failover']) assert.match(run.output(), new RegExp(`auto-approved: ${gate}\\b`));
    assert.match(run.output(), /stayed quorate with 2 of 3 votes and started vm:100/);
    assert.match(run.output(), /failover recovery time: \d+\.\d s/);
    // Independent checks from inside both nodes, not through the tool.
    assertThreeVotes('pve1');
    assertThreeVotes('pve2');
    await checkTemporalUi(`http://127.0.0.1:${port + 1000}`);

    // The real secrets, searched for in everything the run left: the exported history (payloads decoded), the worker's
    // log, the CLI's output, every command the hosts received over SSH, and the machine's command lines during the run.
    const secret = (file: string) => readFileSync(join(LAB_DIR, 'keys', file), 'utf8').trim();
    const secrets = { 'the root password': secret('pve1-root-password'), 'the SSH key passphrase': secret('worker-key-passphrase') };
    const exported = spawnSync(
      temporalCliPath(),
      ['workflow', 'show', '--address', `127.0.0.1:${port}`, '--workflow-id', 'pve-twonode-labclu', '--output', 'json'],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    assert.equal(exported.status, 0, exported.stderr);
    const history = historyText(JSON.parse(exported.stdout) as Parameters<typeof historyText>[0]);
    assert.match(history, /pvecm add 10\.213\.7\.11/, "the decoded history holds the activities' own words: the search can see");
    const traces = {
      history: history,
      'the worker log': worker.output(),
      'the CLI output': run.output(),
      ...Object.fromEntries(['pve1', 'pve2', 'qnetd'].map((h) => [`${h}'s audit log`, audit(h).join('\n')])),
      '/proc/*/cmdline': cmdlines.join('\n'),
      // Heartbeat details live beside the history (describe's pending activities), not in it.
      heartbeats: heartbeatText,
    };
    console.log(
      `# secrets searched: history ${history.length} chars, worker log ${worker.output().length}, ${cmdlines.length} command lines, ` +
        `${['pve1', 'pve2', 'qnetd'].reduce((n, h) => n + audit(h).length, 0)} SSH commands, heartbeats ${heartbeatText.length} chars`,
    );
    assert.deepEqual(secretOccurrences(secrets, traces), []);
    for (const p of procs.splice(0)) await stop(p);
    // The read-only pass on the built cluster: every configured step passes, and it acts on nothing.
    const auditBefore = ['pve1', 'pve2', 'qnetd'].map((h) => audit(h).length);
    const pass = await readOnlyPass(new WorkerResources(), loadConfig(path));
    console.log(`# read-only pass on the built cluster: ${pass.verdict} in ${pass.wallMs} ms`);
    assert.equal(pass.verdict, 'pass', JSON.stringify(pass.steps.filter((s) => s.verdict !== 'pass')));
    assert.deepEqual(
      pass.steps.filter((s) => s.verdict !== 'pass').map((s) => [s.step, s.verdict]),
      [['replication', 'not-configured']],
    );
    const newCommands = ['pve1', 'pve2', 'qnetd'].flatMap((h, i) => audit(h).slice(auditBefore[i]));
    assert.ok(newCommands.length > 0, 'the pass did read the hosts');
    assert.deepEqual(
      newCommands.filter((c) => ACT.test(c) || /cat > |>> "\$f"/.test(c)),
      [],
    );
  });

  it(
    'survives faults mid-run: node 2 off during the join, the worker SIGKILLed, sshd killed, the dev server restarted',
    { timeout: E2E_TIMEOUT_MS },
    async () => {
      const { config } = freshLab();
      const port = 17533;
      const db = join(dir, 'faults.db');
      let server = await startDevServer(port, db);
      let worker = startWorker(port);
      procs.push(server, worker);
      const address = `127.0.0.1:${port}`;
      const connect = async () => new Client({ connection: await Connection.connect({ address }) });
      let handle: GuideHandle = await startGuide(await connect(), config);
      const faults: string[] = [];
      let progress: RunProgress | null = null;
      for (const deadline = Date.now() + 600_000; Date.now() < deadline;) {
        try {
          progress = await handle.query(progressQuery);
        } catch {
          await delay(500); // the dev server is restarting
          continue;
        }
        if (['completed', 'failed', 'rejected', 'cancelled'].includes(progress.state)) break;
        const gate = progress.awaiting?.gate;
        const step = progress.steps.find((s) => s.step === progress?.currentStep);
        if (gate === 'join' && !faults.includes('pve2 off')) {
          lab('poweroff', 'pve2');
          faults.push('pve2 off');
          setTimeout(() => void (lab('poweron', 'pve2'), faults.push('pve2 on')), 15_000);
        }
        if (step?.step === 'qdevice-prereqs' && step.state === 'running' && !faults.includes('worker killed')) {
          await stop(worker, 'SIGKILL');
          faults.push('worker killed');
          worker = startWorker(port);
          procs.push(worker);
        }
        if (gate === 'ha' && !faults.includes('server restarted')) {
          await stop(server, 'SIGTERM');
          server = await startDevServer(port, db);
          procs.push(server);
          handle = (await connect()).workflow.getHandle(handle.workflowId);
          faults.push('server restarted');
        }
        if (step?.step === 'failover' && /watching/.test(step.message) && !faults.includes('sshd killed')) {
          inHost(
            progress.steps.find((s) => s.step === 'failover')?.message.includes('pve1 is off') ? 'pve2' : 'pve1',
            'pkill -KILL -x sshd; sleep 4; systemctl start ssh',
          );
          faults.push('sshd killed');
        }
        if (gate) await handle.signal(approveSignal, { step: gate });
        await delay(300);
      }
      console.log(`# faults injected: ${faults.join(', ')}`);
      assert.equal(progress?.state, 'completed', JSON.stringify(progress?.steps.map((s) => [s.step, s.state, s.attempts, s.message])));
      assert.deepEqual(new Set(faults), new Set(['pve2 off', 'pve2 on', 'worker killed', 'server restarted', 'sshd killed']));
      // The join waited pve2's power cut out: retried, or its command sent again once the dead pooled connection was given up.
      const resent = procs.some((p) => /pve2: .*the command never started, so it is sent again/.test(p?.output() ?? ''));
      assert.ok((progress?.steps.find((s) => s.step === 'join')?.attempts ?? 0) > 1 || resent, 'the join waited while pve2 was off');
      assertThreeVotes('pve1');
      // No act ran twice on any host: one create, one add, one qdevice setup, one HA add, one install per package.
      assert.deepEqual(
        actsOn('pve1').filter((c) => c.startsWith('pvecm')),
        ['pvecm create labclu', 'pvecm qdevice setup 10.213.7.13'],
      );
      assert.equal(actsOn('pve2').filter((c) => c.includes('pvecm add ')).length, 1);
      assert.equal(actsOn('pve1').filter((c) => c.startsWith('ha-manager add')).length, 1);
      for (const host of ['pve1', 'pve2', 'qnetd']) {
        // An install cut off by the worker's death (its SSH connection gone, apt killed by SIGPIPE) is run again by the
        // retry, whose check finds the package missing; one that finished on the host is never run again.
        const finished = hostCommandTimes([host])
          .filter((t) => t.exitCode === 0 && t.command.includes('apt-get install'))
          .map((t) => t.command);
        assert.equal(new Set(finished).size, finished.length, `${host} installed a package twice: ${finished.join(' | ')}`);
        const sent = actsOn(host).filter((c) => c.includes('apt-get install')).length;
        if (sent > finished.length) console.log(`# ${host}: ${sent - finished.length} install(s) cut off by the worker's death, then run again`);
      }
    },
  );
});
