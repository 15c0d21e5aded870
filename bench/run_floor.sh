#!/usr/bin/env bash
# The machine's floor, measured in the same run as the comparisons of issue 6 so that each figure
# can be read against it: loopback TCP throughput with Debian's iperf3 (3 runs of 5 s, one
# stream) and the cost of one write(2) (bench/floor_bench.cpp, 3 repetitions). Prints Markdown
# rows with medians. Needs `scripts/install-deps.sh --bench`.
#   bench/run_floor.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
command -v iperf3 >/dev/null || { echo "run_floor: iperf3 missing: scripts/install-deps.sh --bench" >&2; exit 1; }
bench_build quanyu_floor_bench

port=$(free_port)
iperf3 --server --bind 127.0.0.1 --port "$port" --one-off >/dev/null 2>&1 &
rates=()
for run in 1 2 3; do
  # Wait for the listener without connecting to it: a --one-off server serves one connection.
  for _ in $(seq 50); do ss -ltn | grep -q "127.0.0.1:$port " && break; sleep 0.1; done
  json=$(iperf3 --client 127.0.0.1 --port "$port" --time 5 --json)
  rates+=("$(python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"])' <<<"$json")")
  [[ $run -lt 3 ]] && { iperf3 --server --bind 127.0.0.1 --port "$port" --one-off >/dev/null 2>&1 & }
done
median=$(printf '%s\n' "${rates[@]}" | median)
{
printf '### The floor\n\n`bench/run_floor.sh`: what the machine itself allows, to read the figures below against.\n\n'
printf '| what | median of 3 |\n|---|---|\n'
printf '| loopback TCP, one stream (iperf3 %s) | %.1f Gbit/s |\n' \
  "$(iperf3 --version | head -1 | awk '{print $2}')" "$(python3 -c "print($median/1e9)")"

build/release/bench/quanyu_floor_bench --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_format=json 2>/dev/null |
  python3 -c '
import json, sys
names = {"BM_LoopbackTcpWrite/300/real_time_median": "write(2) of 300 B into loopback TCP (peer draining)",
         "BM_LoopbackTcpWrite/10000/real_time_median": "write(2) of 10 KB into loopback TCP (peer draining)",
         "BM_DevNullWrite_median": "write(2) of 300 B to /dev/null (the bare system call)"}
for b in json.load(sys.stdin)["benchmarks"]:
    if b["name"] in names:
        print("| %s | %.2f µs |" % (names[b["name"]], b["real_time"] / 1000.0))
'
echo
} | report
