# Shared by the bench/run_*.sh scripts (sourced, not run): free ports, starting and stopping
# quanyu and the peers on loopback. Every process started here is remembered and killed by
# bench_cleanup, which the scripts run on EXIT.

bench_pids=()
bench_dirs=()

bench_cleanup() {
  local pid dir
  for pid in "${bench_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for pid in "${bench_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for dir in "${bench_dirs[@]}"; do rm -rf "$dir"; done
  bench_pids=(); bench_dirs=()
}

# A temp dir removed by bench_cleanup.
bench_tmpdir() {
  local dir
  dir=$(mktemp -d)
  bench_dirs+=("$dir")
  echo "$dir"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits until something listens on 127.0.0.1:$1 (at most 10 s).
wait_port() {
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on 127.0.0.1:$1" >&2
  return 1
}

# Raises this shell's open-file limit to the hard limit: 1,000 clients need more than 1,024.
raise_nofile() { ulimit -n "$(ulimit -Hn)" 2>/dev/null || true; }

# start_quanyu PORT [CONFIG]: quanyu serve (Release) on 127.0.0.1:PORT with a fresh data dir.
# Sets quanyu_pid and quanyu_log. $QUANYU_BIN names another build to run (to compare two).
start_quanyu() {
  local port=$1 config=${2:-config/quanyu.yaml} data
  data=$(bench_tmpdir)
  quanyu_log="$data/quanyu.log"
  "${QUANYU_BIN:-build/release/server/quanyu}" serve --config "$config" --listen "127.0.0.1:$port" \
    --data-dir "$data/data" >/dev/null 2>"$quanyu_log" &
  quanyu_pid=$!
  bench_pids+=("$quanyu_pid")
  for _ in $(seq 200); do grep -q "ready in" "$quanyu_log" && return 0; sleep 0.05; done
  echo "quanyu did not start:" >&2; cat "$quanyu_log" >&2
  return 1
}

# stop_pid PID: SIGTERM and wait (at most 10 s, then SIGKILL).
stop_pid() {
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# The median of the numbers on stdin.
median() { sort -g | awk '{v[NR]=$1} END {if (NR) print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

# field KEY LINE: the value of KEY=value in a benchmark's output line.
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# Markdown for docs/PERFORMANCE.md: appended to $QUANYU_BENCH_REPORT when bench/run_peers.sh
# collects it, else printed.
report() {
  if [[ -n "${QUANYU_BENCH_REPORT:-}" ]]; then cat >>"$QUANYU_BENCH_REPORT"; else cat; fi
}

# Builds the targets named, unless bench/run_peers.sh already built everything.
bench_build() {
  [[ -n "${QUANYU_BENCH_BUILT:-}" ]] && return 0
  cmake --preset release >/dev/null
  cmake --build --preset release --target "$@" >/dev/null
}
