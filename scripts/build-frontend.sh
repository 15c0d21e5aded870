#!/usr/bin/env bash
# Builds the web client into frontend/dist (served by quanyu at /): installs its npm packages
# exactly as locked in frontend/package-lock.json when they are missing or the lock changed, then
# type-checks and bundles with Vite. Run by scripts/run.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/../frontend"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
npm run build
