#!/usr/bin/env bash
# Command 2 of the README (and all that .ci/run does): install what is missing, build, and run
# the whole test suite. Arguments go to ctest (e.g. -R Jurisdiction).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
scripts/build-frontend.sh
cmake --preset release >/dev/null
cmake --build --preset release
ctest --preset release --parallel 2 "$@"
