#!/usr/bin/env bash
# Command 1 of the README: install what is missing, build a Release binary, start quanyu on the
# embedded default (Chongqing layers, data under ./data) and, so that the picture is alive at
# once, the simulator feeding it realistic observations. Extra arguments go to `quanyu serve`.
# QUANYU_SIMULATE=0 starts the server alone. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build-frontend.sh
cmake --preset release >/dev/null
cmake --build --preset release --target quanyu
quanyu=build/release/server/quanyu
mkdir -p data
if [[ "${QUANYU_SIMULATE:-1}" == "0" ]]; then
  exec "$quanyu" serve --config config/quanyu.yaml "$@"
fi

out=data/serve.stdout
: >"$out"
"$quanyu" serve --config config/quanyu.yaml "$@" > >(tee "$out") &
server=$!
sim=""
stop() { [[ -n "$sim" ]] && kill "$sim" 2>/dev/null; kill "$server" 2>/dev/null; wait; }
trap stop INT TERM
for _ in $(seq 300); do
  grep -q "Quanyu is listening on" "$out" && break
  kill -0 "$server" 2>/dev/null || { wait "$server"; exit $?; }
  sleep 0.1
done
url=$(grep -o 'http://[^ ]*' "$out" | head -1)
url=${url%/}
echo "Simulator: 20 observations/s at 60x time (a demo hour per real minute); log in data/simulate.log"
QUANYU_TOKEN=quanyu-demo-feed "$quanyu" simulate --config config/quanyu.yaml --url "$url" \
  --rate 20 --time-scale 60 >data/simulate.log 2>&1 &
sim=$!
wait "$server"
