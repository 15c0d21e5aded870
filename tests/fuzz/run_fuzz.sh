#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time, seeded with the published samples of its feed.
#   tests/fuzz/run_fuzz.sh FUZZER SEED_DIR WORK_DIR SECONDS
# New inputs and any crash artefact go to WORK_DIR (recreated), never into the source tree.
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3 seconds=$4
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" "$seeds"
