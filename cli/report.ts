/** The end-of-run report: each step's outcome, duration and verified facts, the failover time, where to see the history. */
import type { RunProgress } from '../workflows/progress';
import { durationOf } from './view';
export { uiLink } from '../src/temporal/connection';

export function renderReport(p: RunProgress, link: string): string {
  const lines = [`Run report for cluster ${p.cluster}: ${p.state}${p.endedReason ? ` (${p.endedReason})` : ''}`];
  for (const s of p.steps) lines.push(`  ${s.step.padEnd(16)} ${s.state.padEnd(24)} ${durationOf(s).padStart(9)}  ${s.message}`);
  if (p.failoverRecoveryMs !== null)
    lines.push(`  failover recovery time: ${(p.failoverRecoveryMs / 1000).toFixed(1)} s (node power-off to guest started on the survivor)`);
  lines.push(`  history: ${link}`);
  return lines.join('\n');
}

/** The same report as Markdown, with each step's verified facts, for keeping next to the cluster's notes. */
export function renderMarkdownReport(p: RunProgress, link: string): string {
  const lines = [
    `# pve-twonode run report: cluster ${p.cluster}`,
    '',
    `Outcome: **${p.state}**${p.endedReason ? ` (${p.endedReason})` : ''}. History: <${link}>`,
    '',
    '| step | outcome | attempts | duration | message |',
    '|---|---|---|---|---|',
    ...p.steps.map((s) => `| ${s.step} | ${s.state} | ${s.attempts} | ${durationOf(s)} | ${s.message.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`),
  ];
  if (p.failoverRecoveryMs !== null)
    lines.push('', `Failover recovery time: **${(p.failoverRecoveryMs / 1000).toFixed(1)} s** (node power-off to guest started on the survivor).`);
  for (const s of p.steps.filter((x) => Object.keys(x.facts).length > 0))
    lines.push('', `## ${s.step}: verified facts`, '', '```json', JSON.stringify(s.facts, null, 2), '```');
  return `${lines.join('\n')}\n`;
}
