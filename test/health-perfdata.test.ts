/** check's first line carries monitoring-plugin performance data after "|": votes, expected votes, clock skew, wall time. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { perfData, renderHealth, type HealthReport } from '../src/health/report';

const report = (facts: HealthReport['facts']): HealthReport => ({
  version: 1,
  cluster: 'labclu',
  status: 'OK',
  exitCode: 0,
  summary: 'PVE-TWONODE OK - labclu: QDevice votes',
  checkedAt: '2026-12-03T20:00:00.000Z',
  wallMs: 2345,
  facts,
});
const fact = (name: string, facts: Record<string, unknown>) => ({ name, status: 'OK' as const, verdict: 'pass' as const, hosts: [], reason: 'ok', facts });

describe('performance data', () => {
  it('votes and expected votes as node 1 counts them, the clock skew, the check time', () => {
    const r = report([fact('time', { skewMs: 5 }), fact('qdevice', { pvecmStatus: { totalVotes: 3, expectedVotes: 3 } })]);
    assert.equal(perfData(r), 'votes=3;;;0;3 expected_votes=3;;;0;3 clock_skew=0.005s;;;0 check_time=2.345s;;;0');
    assert.equal(renderHealth(r).split('\n')[0], `PVE-TWONODE OK - labclu: QDevice votes | ${perfData(r)}`);
  });
  it('a value the check could not read is left out', () => {
    assert.equal(perfData(report([fact('qdevice', {})])), 'check_time=2.345s;;;0');
  });
});
