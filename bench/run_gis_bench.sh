#!/usr/bin/env bash
# Runs the GIS benchmarks (3 repetitions, medians) on a Release build and prints a Markdown table
# for docs/PERFORMANCE.md, preceded by the machine and library versions.
#   bench/run_gis_bench.sh [extra Google Benchmark flags]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release --target quanyu_gis_bench >/dev/null
out=$(mktemp)
trap 'rm -f "$out"' EXIT
build/release/bench/quanyu_gis_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  --benchmark_format=json "$@" >"$out"

echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB;" \
  "Debian $(cat /etc/debian_version), kernel $(uname -r), $(g++ --version | head -1)"
echo "Libraries: $(dpkg-query -W -f='${Package} ${Version}, ' libgdal32 libproj25 libgeos3.11.1 libbenchmark1debian 2>/dev/null | sed 's/, $//')"
echo "Date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo
python3 - "$out" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
print("| benchmark | median time | median rate |")
print("|---|---|---|")
for b in data["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    name = b["run_name"]
    t = b["real_time"]; unit = b["time_unit"]
    rate = b.get("items_per_second")
    rate_text = f"{rate/1e6:.2f} M/s" if rate and rate >= 1e6 else (f"{rate/1e3:.0f} k/s" if rate else "")
    print(f"| `{name}` | {t:.3g} {unit} | {rate_text} |")
PY
