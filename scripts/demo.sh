#!/usr/bin/env bash
# npm run demo: on a fresh machine, install what is missing, bring the rehearsal lab up, start a local Temporal dev
# server (Web UI) and a worker, and run the whole guide against the lab, approving each gate, ending with the report.
# A second run on the same lab re-verifies every step and skips them all as already done.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $EUID -eq 0 ]] || { echo "the demo needs root (the lab makes network namespaces): sudo npm run demo" >&2; exit 1; }
t0=$SECONDS
[[ -d node_modules/@temporalio/worker ]] || npm ci --no-audit --no-fund
bash scripts/install-system-packages.sh
bash scripts/install-temporal.sh
# The lab's PVE nodes run the real Proxmox VE code: its sources from PVE_TWONODE_PVE_SRC, or cloned once (needs internet).
if [[ -z ${PVE_TWONODE_PVE_SRC:-} ]]; then export PVE_TWONODE_PVE_SRC=$PWD/.cache/pve-src; fi
bash scripts/build-pve.sh --check >/dev/null || bash scripts/fetch-pve-sources.sh "$PVE_TWONODE_PVE_SRC" >/dev/null
cli=(node --import tsx cli/main.ts)
port=${PVE_TWONODE_DEMO_PORT:-7233}
export TEMPORAL_ADDRESS=127.0.0.1:$port
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

config=$("${cli[@]}" lab up | tail -1)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
mkdir -p .cache/state
if ! listening; then
  "${cli[@]}" server --port "$port" --db-file .cache/state/demo.db >.cache/state/server.log 2>&1 &
  pids+=($!)
  # The frontend port opens before the history shards are ready: wait for the server to report SERVING.
  for _ in $(seq 150); do .cache/bin/temporal operator cluster health --address "$TEMPORAL_ADDRESS" 2>/dev/null | grep -q SERVING && break; sleep 0.2; done
  listening || { cat .cache/state/server.log; exit 1; }
fi
echo "Temporal dev server on 127.0.0.1:$port, Web UI http://localhost:$((port + 1000)) (history kept in .cache/state/demo.db)"
"${cli[@]}" worker --config "$config" >.cache/state/worker.log 2>&1 &
pids+=($!)
"${cli[@]}" start "$config" --auto-approve --follow
echo "demo finished in $((SECONDS - t0)) s; the lab stays up (pve-twonode lab status / lab down)"
# The report's links point at this server's Web UI, which stops with the demo: the exact command that opens the same
# history again (its SQLite file, its port, so the links work), as the last line.
echo "browse this run's history again: npm run cli -- server --port $port --db-file .cache/state/demo.db   # Web UI http://localhost:$((port + 1000))"
