#!/usr/bin/env bash
# The test suite: parsers, config, CLI, SSH against a real sshd, the workflow on the real time-skipping server, replay.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
node --import tsx --test --test-reporter=spec test/*.test.ts
echo "test suite wall time: $((SECONDS - started)) s"
