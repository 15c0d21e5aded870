#!/usr/bin/env bash
# Fan-out to screens side by side (issue 6, item 1): the same subscribers and the same updates at
# the same fixed rate, to Quanyu's /ws/situation, to mosquitto's WebSocket listener (MQTT
# subscribers) and to Redis pub/sub, each started fresh by this script on loopback for every run
# (bench/fanout.cpp). The rate climbs a ladder of rungs; at each rung every system still
# standing runs `runs` times, interleaved so the machine's noise falls on all alike. A system
# holds a rung when every run delivered every update to every subscriber and the median p99 is
# within the bound; it stops climbing at the first rung it does not hold. Its capacity is the
# delivered rate at the highest rung it held.
#   bench/run_fanout_bench.sh [subscribers=1000] [seconds=10] [runs=3] [p99_bound_ms=250]
#                             ["rates", updates/s, default: 50 to 8,000 in 16 rungs]
# Prints the peers' versions and configuration and one line per run, then the Markdown table
# (to $QUANYU_BENCH_REPORT under bench/run_peers.sh). Needs `scripts/install-deps.sh --bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
trap bench_cleanup EXIT
subscribers=${1:-1000}; seconds=${2:-10}; runs=${3:-3}; bound=${4:-250}
rates=${5:-50 100 200 400 700 1000 1400 2000 2400 2800 3400 4000 4800 5600 6400 8000}
payload=300
bench_build quanyu quanyu_fanout
raise_nofile
work=$(bench_tmpdir)

# Peers: persistence off (Quanyu keeps its journal on: each update is fsynced before its 202).
cat >"$work/mosquitto.conf" <<CONF
per_listener_settings false
allow_anonymous true
persistence false
log_dest none
connection_messages false
max_queued_messages 0
listener @PUB@ 127.0.0.1
protocol mqtt
listener @WS@
bind_interface lo
protocol websockets
CONF
redis_args=(--bind 127.0.0.1 --protected-mode no --save "" --appendonly no --daemonize no
  --logfile "" --maxclients 10000 --client-output-buffer-limit "pubsub 0 0 0")
versions="quanyu $(git describe --always --dirty 2>/dev/null || echo '?'); $(mosquitto -h 2>/dev/null | head -1); $(redis-server --version | cut -d' ' -f1-3)"
echo "$versions"
echo "mosquitto.conf (ports filled in per run):"
sed 's/^/  /' "$work/mosquitto.conf"
echo "redis-server ${redis_args[*]} --port PORT"

fanout=build/release/bench/quanyu_fanout
results="$work/results"
: >"$results"
# one_run SYSTEM RATE RUN: appends "rung RATE SYSTEM: <line>" (or the failure) to $results.
one_run() {
  local system=$1 rate=$2 run=$3 port pub pid line status=0
  case $system in
    quanyu)
      port=$(free_port); start_quanyu "$port"; pid=$quanyu_pid
      line=$("$fanout" quanyu "$port" "$subscribers" "$rate" "$seconds" "$pid" "$payload" 2>&1) || status=$? ;;
    mosquitto)
      pub=$(free_port); port=$(free_port)
      sed "s/@PUB@/$pub/; s/@WS@/$port/" "$work/mosquitto.conf" >"$work/run.conf"
      mosquitto -c "$work/run.conf" & pid=$!; bench_pids+=("$pid")
      wait_port "$pub"; wait_port "$port"
      line=$("$fanout" mqtt "$port" "$subscribers" "$rate" "$seconds" "$pid" "$payload" "$pub" 2>&1) || status=$? ;;
    redis)
      port=$(free_port)
      redis-server "${redis_args[@]}" --port "$port" >/dev/null & pid=$!; bench_pids+=("$pid")
      wait_port "$port"
      line=$("$fanout" redis "$port" "$subscribers" "$rate" "$seconds" "$pid" "$payload" 2>&1) || status=$? ;;
  esac
  stop_pid "$pid"
  [[ $status -eq 0 ]] || line="FAILED(status $status) $(tr '\n' ' ' <<<"$line")"
  echo "rung $rate $system run $run: $line" | tee -a "$results"
}

standing=(quanyu mosquitto redis)
for rate in $rates; do
  ((${#standing[@]} > 0)) || break
  for run in $(seq "$runs"); do
    for system in "${standing[@]}"; do one_run "$system" "$rate" "$run"; done
  done
  # Who holds this rung climbs on.
  next=()
  for system in "${standing[@]}"; do
    held=$(python3 - "$results" "$rate" "$system" "$bound" <<'PY'
import re, statistics, sys
path, rate, system, bound = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
runs = [l.split(": ", 1)[1] for l in open(path) if l.startswith("rung %s %s " % (rate, system))]
ok = all(not r.startswith("FAILED") and "complete=" in r and
         re.search(r"complete=(\d+)/(\1)\b", r) for r in runs)
p99 = [float(re.search(r"p99_ms=([\d.]+)", r).group(1)) for r in runs if "p99_ms=" in r]
print("yes" if ok and p99 and statistics.median(p99) <= bound else "no")
PY
)
    [[ $held == yes ]] && next+=("$system")
  done
  standing=("${next[@]+"${next[@]}"}")
done

python3 - "$results" "$subscribers" "$seconds" "$runs" "$bound" "$versions" <<'PY' | report
import re, statistics, sys
path, subscribers, seconds, runs, bound, versions = sys.argv[1:7]
bound = float(bound)
rungs = {}  # (system, rate) -> list of dicts (None for a failed run)
for line in open(path):
    m = re.match(r"rung (\d+) (\w+) run \d+: (.*)", line.rstrip("\n"))
    if not m:
        continue
    rate, system, rest = int(m.group(1)), m.group(2), m.group(3)
    row = None if rest.startswith("FAILED") else dict(kv.split("=", 1) for kv in rest.split() if "=" in kv)
    rungs.setdefault((system, rate), []).append(row)
def med(rows, key):
    vals = [float(r[key]) for r in rows if r]
    return statistics.median(vals) if vals else float("nan")
def complete(rows):
    return all(r and r["complete"].split("/")[0] == r["complete"].split("/")[1] for r in rows)
systems = ["quanyu", "mosquitto", "redis"]
names = {"quanyu": "Quanyu /ws/situation", "mosquitto": "mosquitto, MQTT over WebSocket",
         "redis": "Redis pub/sub"}
print("### Fan-out to %s screens\n" % subscribers)
print("`bench/run_fanout_bench.sh %s %s %s %g` (bench/fanout.cpp). %s. Each run: %s subscribers, "
      "updates at a fixed rate for %s s; a rung is held when all %s runs delivered every update to "
      "every subscriber and the median p99 is at most %g ms. Medians of the runs.\n"
      % (subscribers, seconds, runs, bound, versions, subscribers, seconds, runs, bound))
print("| system | updates/s offered | delivered/s | p50 | p99 | server CPU (cores) | load generator CPU | server RSS | bytes/update | every update to every subscriber | held |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
capacity = {}
for system in systems:
    for rate in sorted(r for s, r in rungs if s == system):
        rows = rungs[(system, rate)]
        ok = complete(rows)
        held = ok and med(rows, "p99_ms") <= bound
        if held:
            capacity[system] = (med(rows, "delivered_per_s"), med(rows, "p99_ms"), rate)
        print("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            names[system], rate,
            "{:,.0f}".format(med(rows, "delivered_per_s")) if any(rows) else "—",
            "%.2f ms" % med(rows, "p50_ms") if any(rows) else "—",
            "%.2f ms" % med(rows, "p99_ms") if any(rows) else "—",
            "%.2f" % med(rows, "server_cpu_cores") if any(rows) else "—",
            "%.2f" % med(rows, "loadgen_cpu_cores") if any(rows) else "—",
            "%.0f MB" % (med(rows, "server_hwm_kb") / 1024) if any(rows) else "—",
            "%.0f" % med(rows, "bytes_per_update") if any(rows) else "—",
            "yes" if ok else "**no** (%d of %d runs)" % (sum(1 for r in rows if r and r["complete"].split("/")[0] == r["complete"].split("/")[1]), len(rows)),
            "yes" if held else "no"))
print()
peers = [s for s in ("mosquitto", "redis") if s in capacity]
if "quanyu" in capacity and peers:
    best = max(peers, key=lambda s: capacity[s][0])
    q, b = capacity["quanyu"], capacity[best]
    print("Capacity (delivered/s at the highest rung held): Quanyu **{:,.0f}/s** (p99 {:.2f} ms) against "
          "{} {:,.0f}/s (p99 {:.2f} ms): **{:.2f}×** the better peer's rate.".format(
          q[0], q[1], names[best], b[0], b[1], q[0] / b[0]))
    # The goal compares rates at an equal or lower p99: Quanyu's highest rung held whose median
    # p99 is at most the better peer's at that peer's capacity.
    within = [(med(rows, "delivered_per_s"), med(rows, "p99_ms"), rate)
              for (system, rate), rows in rungs.items()
              if system == "quanyu" and complete(rows) and med(rows, "p99_ms") <= b[1]]
    if within:
        w = max(within)
        print("\nAt an equal or lower p99 (at most {:.2f} ms): Quanyu holds {:,.0f}/s (p99 {:.2f} ms, "
              "{:d} updates/s): **{:.2f}×** the better peer's rate (goal ≥ 2×: {}).".format(
              b[1], w[0], w[1], w[2], w[0] / b[0], "**met**" if w[0] >= 2 * b[0] else "**not met**"))
    else:
        print("\nAt an equal or lower p99 (at most {:.2f} ms): no rung of Quanyu's (goal ≥ 2×: "
              "**not met**).".format(b[1]))
    top = max(r for _, r in rungs)
    for s in systems:
        if s in capacity and capacity[s][2] == top:
            print("\n%s held the top rung (%d updates/s): its capacity is at least this." % (names[s], top))
else:
    print("Capacity: not every system held a rung: %s" % ", ".join("%s %s" % (s, capacity.get(s)) for s in systems))
print()
PY
