/** The end-of-run report (terminal and Markdown) and the pipe-mode progress lines, from a real run's progress. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderMarkdownReport, renderReport, uiLink } from '../cli/report';
import { changedLines } from '../cli/view';
import type { RunProgress } from '../workflows/progress';

// The result of a real run on the lab (failover included): the last event's payload is { outcome, progress }.
function recordedProgress(): RunProgress {
  const history = JSON.parse(readFileSync(join(__dirname, 'histories', 'clusterGuide-completed-longest.json'), 'utf8')) as {
    events: { workflowExecutionCompletedEventAttributes?: { result: { payloads: { data: string }[] } } }[];
  };
  const completed = history.events.find((e) => e.workflowExecutionCompletedEventAttributes)?.workflowExecutionCompletedEventAttributes;
  assert.ok(completed);
  return (JSON.parse(Buffer.from(completed.result.payloads[0].data, 'base64').toString()) as { progress: RunProgress }).progress;
}

describe('run report', () => {
  const progress = recordedProgress();
  const link = uiLink('127.0.0.1:7233', 'default', 'pve-twonode-homelab');

  it('links to the run in the local Web UI', () => {
    assert.equal(link, 'http://127.0.0.1:8233/namespaces/default/workflows/pve-twonode-homelab');
  });

  it('lists every step with its outcome and the failover recovery time', () => {
    const text = renderReport(progress, link);
    assert.match(text, /^Run report for cluster labclu: completed/);
    for (const s of progress.steps) assert.match(text, new RegExp(`^  ${s.step}\\s+${s.state}`, 'm'));
    assert.match(text, /failover recovery time: 17\.9 s/);
  });

  it("writes Markdown with a table and each step's verified facts", () => {
    const md = renderMarkdownReport(progress, link);
    assert.match(md, /^\| join \| done \| 1 \| [\d.]+ s \| pve2 is a member of labclu \(labclu: quorate, votes 2\/2, flags Quorate\) \|$/m);
    assert.match(md, /^## qdevice: verified facts\n\n```json\n\{\n {2}"pvecmStatus": \{\n {4}"cluster": \{\n {6}"name": "labclu",/m);
    assert.match(md, /Failover recovery time: \*\*17\.9 s\*\*/);
  });

  it('prints one line per change in pipe mode, and the gate to approve', () => {
    const waiting: RunProgress = {
      ...progress,
      state: 'waiting-for-approval',
      awaiting: { gate: 'join', since: 'x', instruction: 'approve with: pve-twonode approve homelab join' },
    };
    const lines = changedLines(progress, waiting);
    assert.deepEqual(lines, ['WAITING FOR APPROVAL of "join": approve with: pve-twonode approve homelab join']);
    assert.deepEqual(changedLines(waiting, waiting), []);
    assert.equal(changedLines(null, progress).length, progress.steps.length);
  });
});
