#!/usr/bin/env bash
# Command 1 of the README: install what is missing, build a Release binary, start quanyu on the
# embedded default (Chongqing layers, data under ./data). Extra arguments go to `quanyu serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target quanyu
exec build/release/server/quanyu serve --config config/quanyu.yaml "$@"
