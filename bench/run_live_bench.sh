#!/usr/bin/env bash
# POST-to-screen latency over /ws/situation: starts quanyu (Release) on loopback with a fresh data
# dir, connects C wall clients, posts R observations/s for S seconds (bench/live_latency.cpp), and
# prints latency percentiles over all clients, the POST-to-202 (durable ack) percentiles, the
# server's memory per idle client and whether every client ended with the complete picture. 3 runs.
#   bench/run_live_bench.sh [clients=200] [rate=5000] [seconds=10] [batch=50]
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-200}; rate=${2:-5000}; seconds=${3:-10}; batch=${4:-50}
cmake --preset release >/dev/null
cmake --build --preset release --target quanyu quanyu_live_latency >/dev/null
for run in 1 2 3; do
  data=$(mktemp -d); log=$(mktemp)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  build/release/server/quanyu serve --config config/quanyu.yaml --listen "127.0.0.1:$port" \
    --data-dir "$data" >/dev/null 2>"$log" &
  pid=$!
  for _ in $(seq 100); do grep -q "ready in" "$log" && break; sleep 0.1; done
  echo "run $run: $(build/release/bench/quanyu_live_latency "$port" "$clients" "$rate" "$seconds" "$batch" "$pid")"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$data" "$log"
done
