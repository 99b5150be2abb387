/**
 * What the read-only pass (activities/read-only-pass.ts) says of one step, and what a health report weighs.
 * pass: done and verified. not-done: the check finds work left (the guide has not run that far). fail: the check
 * says done but the post-condition does not hold. degraded: it holds, but in a degraded mode or drifted from
 * cluster.yaml. blocked: the hosts are in a state the step refuses.
 * unreachable: a host could not be read. not-configured: cluster.yaml leaves the step out.
 */
export type StepVerdict = 'pass' | 'not-done' | 'fail' | 'degraded' | 'blocked' | 'unreachable' | 'not-configured';
