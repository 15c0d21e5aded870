#!/usr/bin/env bash
# A new screen and memory (issue 6, items 4 and 5): starts quanyu (Release) on loopback with a
# fresh data dir and config/quanyu.yaml, then bench/new_screen.cpp measures the server's memory per
# idle wall client (IDLE clients on the empty picture), loads ENTITIES observations that each open
# their own incident (about 12,000 fires on a grid wider than the fire join radius, the rest alarms
# of as many cameras; observations/s), the memory per open incident, and the time a fresh
# /ws/situation client takes from its TCP connect to a parsed snapshot of all of them (Protobuf
# and JSON, summary and full detail, and JSON with permessage-deflate as the web client gets it;
# 3 samples each plus one from the cached snapshot, every snapshot checked to hold all ENTITIES
# open incidents). 3 runs, each with a fresh server; prints each run's line and the median of
# every numeric field. Exits 1 if a run was incomplete.
# Then the Markdown table (to $QUANYU_BENCH_REPORT under bench/run_peers.sh).
#   bench/run_new_screen.sh [entities=100000] [idle_clients=1000]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
trap bench_cleanup EXIT
entities=${1:-100000}; idle=${2:-1000}
bench_build quanyu quanyu_new_screen
# The server and the tool each hold one socket per client.
raise_nofile
lines=()
status=0
for run in 1 2 3; do
  port=$(free_port)
  start_quanyu "$port"
  line=$(build/release/bench/quanyu_new_screen "$port" "$quanyu_pid" "$entities" "$idle") || status=1
  echo "run $run: $line"
  lines+=("$line")
  stop_pid "$quanyu_pid"
done
median_line=$(printf '%s\n' "${lines[@]}" | python3 -c '
import statistics, sys
runs = [dict(f.split("=", 1) for f in l.split() if "=" in f) for l in sys.stdin.read().splitlines()]
out = []
for key in runs[0]:
    try:
        values = [float(r[key]) for r in runs if key in r]
    except ValueError:
        out.append("%s=%s" % (key, "/".join(r.get(key, "?") for r in runs)))
        continue
    m = statistics.median(values)
    out.append("%s=%s" % (key, ("%d" % m) if m == int(m) and abs(m) >= 1000 else ("%.2f" % m).rstrip("0").rstrip(".")))
print("median: " + " ".join(out))
')
echo "$median_line"
m() { field "$1" "$median_line"; }
mb() { python3 -c "print('%.1f' % ($(m "$1") / 1e6))"; }
{
  printf '### A new screen, and memory\n\n'
  printf '`bench/run_new_screen.sh %s %s` (bench/new_screen.cpp): %s open incidents (%s fires on a grid wider than the 2 km join radius, %s alarms of as many cameras), loaded at %s observations/s with a wall view open. A new screen is a fresh wall client of /ws/situation, timed from its TCP connect to a parsed snapshot (ParseFromArray, or JsonStringToMessage); before each sample one detection changes the picture, so the snapshot is built afresh; "cached" is a client with no change since the last one. Every snapshot checked to hold all %s (%s). Medians of 3 runs, each on a fresh server.\n\n' \
    "$entities" "$idle" "$(m open_incidents)" "$(m fires)" "$(m security)" "$(m load_obs_per_s)" "$entities" "$(m complete)"
  printf '| form | payload | on the wire | new screen | first byte / transfer / parse | cached |\n|---|---|---|---|---|---|\n'
  for form in pb_summary pb_full json_summary json_full json_summary_deflate json_full_deflate; do
    case $form in
      pb_summary) name="Protobuf, summary (walls)" ;; pb_full) name="Protobuf, detail=full" ;;
      json_summary) name="JSON, summary" ;; json_full) name="JSON, full" ;;
      json_summary_deflate) name="JSON, summary, permessage-deflate (web wall)" ;;
      json_full_deflate) name="JSON, full, permessage-deflate (web console)" ;;
    esac
    printf '| %s | %s MB | %s MB | **%s ms** | %s / %s / %s ms | %s ms |\n' "$name" "$(mb ${form}_bytes)" \
      "$(mb ${form}_wire_bytes)" "$(m ${form}_ms)" "$(m ${form}_first_byte_ms)" \
      "$(m ${form}_transfer_ms)" "$(m ${form}_parse_ms)" "$(m ${form}_cached_ms)"
  done
  printf '\n| memory (server RSS) | median |\n|---|---|\n'
  printf '| per open incident (%s incidents) | **%s KB** |\n' "$(m open_incidents)" "$(m per_incident_kb)"
  printf '| per idle wall client (%s clients on the empty picture) | **%s KB** |\n\n' "$(m idle_clients)" "$(m per_idle_client_kb)"
} | report
exit "$status"
