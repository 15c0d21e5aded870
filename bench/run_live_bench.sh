#!/usr/bin/env bash
# POST-to-screen latency over /ws/situation at a fixed load: starts quanyu (Release) on loopback
# with a fresh data dir, connects C wall clients, posts R observations/s for S seconds
# (bench/live_latency.cpp), and prints latency percentiles over all clients, the POST-to-202
# (durable ack) percentiles, the server's memory per idle client and whether every client ended
# with the complete picture. 3 runs, each on a fresh server; then the Markdown table (to
# $QUANYU_BENCH_REPORT under bench/run_peers.sh).
#   bench/run_live_bench.sh [clients=200] [rate=5000] [seconds=10] [batch=50]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
trap bench_cleanup EXIT
clients=${1:-200}; rate=${2:-5000}; seconds=${3:-10}; batch=${4:-50}
bench_build quanyu quanyu_live_latency
raise_nofile
lines=()
for run in 1 2 3; do
  port=$(free_port)
  start_quanyu "$port"
  line=$(build/release/bench/quanyu_live_latency "$port" "$clients" "$rate" "$seconds" "$batch" "$quanyu_pid")
  echo "run $run: $line"
  lines+=("$line")
  stop_pid "$quanyu_pid"
done
med() { for l in "${lines[@]}"; do field "$1" "$l"; done | median; }
complete=$(for l in "${lines[@]}"; do field clients_complete "$l"; done | tr '\n' ' ')
{
  printf '### POST-to-screen at a fixed load\n\n'
  printf '`bench/run_live_bench.sh %s %s %s %s` (bench/live_latency.cpp): %s wall screens on /ws/situation; one poster sends batches of %s smoke detections at %s observations/s for %s s over 500 places. Latency from writing an observation into the request to a screen having read the delta that carries it; ack is the POST to its 202 (the fsynced journal commit). Every screen complete at the end: %s. Medians of 3 runs, each on a fresh server.\n\n' \
    "$clients" "$rate" "$seconds" "$batch" "$clients" "$batch" "$rate" "$seconds" "$complete"
  printf '| clients | p50 | p99 | ack p50 | ack p99 | server RSS per idle client |\n|---|---|---|---|---|---|\n'
  printf '| %s | %s ms | %s ms | %s ms | %s ms | %s KB |\n\n' "$clients" "$(med p50_ms)" "$(med p99_ms)" \
    "$(med ack_p50_ms)" "$(med ack_p99_ms)" "$(med per_idle_client_kb)"
} | report
