#!/usr/bin/env bash
# Installs what Quanyu needs from Debian 12's own packages, and nothing when it is all there.
#   scripts/install-deps.sh          build and run dependencies
#   scripts/install-deps.sh --test   also what the test suite starts (PostgreSQL/PostGIS, Chromium)
#   scripts/install-deps.sh --bench  also what the benchmarks compare against (bench/README.md)
# Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config
  libboost-dev libboost-program-options-dev   # Boost 1.74 (Asio, Beast); never boost1.81-dev
  libgdal-dev libproj-dev libgeos-dev
  protobuf-compiler libprotobuf-dev
  libspdlog-dev libfmt-dev libyaml-cpp-dev libsqlite3-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libxml2-dev         # feed adapters parse GB/T 28181, ISAPI and CAP XML with libxml2
  clang-14 libclang-rt-14-dev   # libFuzzer targets of the feed parsers (run briefly by ctest)
  python3             # tools/gen_demo_layers.py; its regression test is part of the build tree
)
# The web client is built with Node.js and npm (Node 18 or newer). A machine that already has a
# `node` of its own keeps it; a fresh Debian 12 gets Node 18 and npm 9 from Debian.
if command -v node >/dev/null && command -v npm >/dev/null; then
  node_major=$(node -p 'process.versions.node.split(".")[0]')
  if ((node_major < 18)); then
    echo "install-deps: node $(node --version) is too old for the web client (needs 18 or newer)" >&2
    exit 1
  fi
else
  packages+=(nodejs npm)
fi
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(
    iperf3 iproute2     # loopback TCP throughput (the machine's floor); ss to see listeners
    mosquitto           # peer: MQTT over WebSocket fan-out
    redis-server        # peer: Redis pub/sub fan-out
    postgresql postgresql-15-postgis-3   # peer: spatial enrichment in PostGIS
  )
fi
if [[ "${1:-}" == "--test" ]]; then
  packages+=(
    chromium            # the web client's end-to-end test (driven by npm playwright-core)
    fonts-noto-cjk      # ... whose screenshots show Chinese text
    gdal-bin            # ogr2ogr: builds GeoPackage, Shapefile and PostGIS fixtures
    postgresql postgresql-15-postgis-3   # PostGIS source test, started on loopback by the test
    python3-websockets  # the live channel's test with an independent WebSocket client
    libxml2-utils       # xmllint: exported CAP 1.2 is validated against the OASIS schema
    mosquitto mosquitto-clients  # the MQTT feed's test: a real broker and publisher on loopback
  )
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
