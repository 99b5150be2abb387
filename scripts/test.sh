#!/usr/bin/env bash
# npm test: installs what is missing (idempotent, fast when present), then runs every test/*.test.ts with node's
# test runner: parsers, config, CLI, SSH against a real sshd, the workflow on the real time-skipping server, replay,
# approvals on a dev server, and (as root) the rehearsal lab end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d node_modules/@temporalio/worker ]] || npm ci --no-audit --no-fund
if [[ $EUID -eq 0 ]]; then bash scripts/install-system-packages.sh
else echo "not root: the lab tests will be skipped (sudo npm test runs them)" >&2; fi
bash scripts/install-temporal.sh
# The lab tests run the real Proxmox VE code, built from PVE_TWONODE_PVE_SRC (or sources fetched into .cache/pve-src).
if [[ -z ${PVE_TWONODE_PVE_SRC:-} && -d .cache/pve-src ]]; then export PVE_TWONODE_PVE_SRC=$PWD/.cache/pve-src; fi
bash scripts/build-pve.sh --check >/dev/null || echo "no Proxmox VE sources: the lab tests will be skipped (scripts/fetch-pve-sources.sh, docs/lab.md)" >&2
# Two tiers: fast (no lab: parsers, the steps over captures, config, CLI, a real sshd, the time-skipping server,
# replay, dev servers on ports of their own), two files at a time (most of it waits on servers and processes); and
# lab (the rehearsal lab, one file at a time by design: every lab file brings up the one global lab). `npm test`
# runs both; `npm run test:fast` / `npm run test:lab` one.
tier=${1:-all}
fast="$(ls test/*.test.ts | grep -v '/lab-') $(ls test/steps/*.test.ts)"
started=$SECONDS
if [[ $tier == fast || $tier == all ]]; then
  # shellcheck disable=SC2086
  node --import tsx --test --test-reporter=spec --test-concurrency=2 $fast
  echo "fast tier wall time: $((SECONDS - started)) s"
fi
if [[ $tier == lab || $tier == all ]]; then
  lab_started=$SECONDS
  node --import tsx --test --test-reporter=spec --test-concurrency=1 test/lab-*.test.ts
  echo "lab tier wall time: $((SECONDS - lab_started)) s"
fi
echo "test suite wall time: $((SECONDS - started)) s"
