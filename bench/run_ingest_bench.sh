#!/usr/bin/env bash
# Durable ingest over HTTP batches: starts quanyu (Release) on loopback with a fresh data dir,
# drives it with bench/ingest_load.cpp (8 connections, batches of 100 distinct observations, each
# request waiting for its 202 = journal commit), 3 runs of 5 s, then measures recovery: kill -9
# and time the replay of everything journaled (no snapshot). Prints the runs, their median and
# the Markdown table (to $QUANYU_BENCH_REPORT under bench/run_peers.sh).
#   bench/run_ingest_bench.sh [connections=8] [batch=100] [seconds=5]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
trap bench_cleanup EXIT
connections=${1:-8}; batch=${2:-100}; seconds=${3:-5}
bench_build quanyu quanyu_ingest_load
data=$(bench_tmpdir)
port=$(free_port)
start() {
  build/release/server/quanyu serve --config config/quanyu.yaml --listen "127.0.0.1:$port" \
    --data-dir "$data" >/dev/null 2>"$data.log" &
  pid=$!; bench_pids+=("$pid")
  for _ in $(seq 200); do grep -q "ready in" "$data.log" && return; sleep 0.05; done
  echo "quanyu did not start:"; cat "$data.log"; exit 1
}
start
lines=()
for run in 1 2 3; do
  line=$(build/release/bench/quanyu_ingest_load "$port" quanyu-demo-feed "$connections" "$batch" "$seconds")
  echo "run $run: $line"
  lines+=("$line")
done
rates=$(for l in "${lines[@]}"; do field obs_per_s "$l"; done)
median_rate=$(median <<<"$rates")
echo "median durable ingest: $median_rate observations/s"
entries=$(curl -s --noproxy '*' "127.0.0.1:$port/metrics" | sed -n 's/^quanyu_journal_entries_total //p')
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
start
recovered=$(grep -o "recovered: .*" "$data.log" || true)
echo "$recovered; journal entries at kill -9: $entries"
rm -f "$data.log"
{
  printf '### Durable ingest over HTTP\n\n'
  printf '`bench/run_ingest_bench.sh %s %s %s` (bench/ingest_load.cpp): %s keep-alive connections post batches of %s distinct smoke detections back to back; each waits for its 202, sent only after the fsynced journal commit. Runs of %s s on one server (the first starts with an empty journal).\n\n' \
    "$connections" "$batch" "$seconds" "$connections" "$batch" "$seconds"
  printf '| run | observations/s | request p50 | request p99 |\n|---|---|---|---|\n'
  n=0
  for l in "${lines[@]}"; do
    n=$((n + 1))
    printf '| %s | %s | %s ms | %s ms |\n' "$n" "$(field obs_per_s "$l")" "$(field p50_ms "$l")" "$(field p99_ms "$l")"
  done
  printf '| **median** | **%s** (goal ≥ 50,000) | | |\n\n' "$median_rate"
  printf 'Then `kill -9` and a restart with no snapshot: %s (journal entries at the kill: %s).\n\n' \
    "${recovered:-recovery line not found}" "$entries"
} | report
