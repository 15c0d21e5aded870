#!/usr/bin/env bash
# Durable ingest benchmark: starts quanyu (Release) on loopback with a fresh data dir, drives it
# with bench/ingest_load.cpp (8 connections, batches of 100 distinct observations, each request
# waiting for its 202 = journal commit), 3 runs of 5 s, then measures recovery: kill -9 and time
# the replay of everything journaled (no snapshot). Prints the runs and their median.
#   bench/run_ingest_bench.sh [connections=8] [batch=100] [seconds=5]
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-8}; batch=${2:-100}; seconds=${3:-5}
cmake --preset release >/dev/null
cmake --build --preset release --target quanyu quanyu_ingest_load >/dev/null
data=$(mktemp -d); log=$(mktemp)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() { kill -9 "$pid" 2>/dev/null || true; rm -rf "$data" "$log"; }
trap cleanup EXIT
start() {
  build/release/server/quanyu serve --config config/quanyu.yaml --listen "127.0.0.1:$port" \
    --data-dir "$data" >/dev/null 2>"$log" &
  pid=$!
  for _ in $(seq 100); do grep -q "ready in" "$log" && return; sleep 0.1; done
  echo "quanyu did not start:"; cat "$log"; exit 1
}
start
rates=()
for run in 1 2 3; do
  line=$(build/release/bench/quanyu_ingest_load "$port" quanyu-demo-feed "$connections" "$batch" "$seconds")
  echo "run $run: $line"
  rates+=("$(sed -n 's/.*obs_per_s=\([0-9]*\).*/\1/p' <<<"$line")")
done
median=$(printf '%s\n' "${rates[@]}" | sort -n | sed -n 2p)
echo "median durable ingest: $median observations/s"
entries=$(curl -s --noproxy '*' "127.0.0.1:$port/metrics" | sed -n 's/^quanyu_journal_entries_total //p')
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
start
grep -o "recovered: .*" "$log"
echo "journal entries at kill -9: $entries"
