#!/usr/bin/env bash
# Spatial enrichment side by side with PostGIS (issue 6, item 2): for the same random points over
# Chongqing, the district containing each point and its 5 nearest resources, in Quanyu's
# in-process GIS (bench/enrich_points.cpp, one core) and in PostGIS (ST_Contains and KNN `<->`
# over GiST indexes, one backend, the whole set in one statement so no client round trip is
# counted against it). PostgreSQL is started by this script on loopback in a temp dir, fsync off.
# Prints the versions, both rates (medians of 3) and their ratio. Needs
# `scripts/install-deps.sh --bench` (and gdal-bin for ogr2ogr).
#   bench/run_postgis_bench.sh [points=20000]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
points=${1:-20000}
bench_build quanyu_enrich_points
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d)
chmod 755 "$work"
as=()
if [[ $(id -u) -eq 0 ]]; then as=(runuser -u postgres --); chown postgres "$work"; fi
port=$(free_port)
"${as[@]}" "$bin/initdb" -A trust -U postgres -E UTF8 -D "$work/data" >/dev/null
"${as[@]}" "$bin/pg_ctl" -w -D "$work/data" -l "$work/log" \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $work -c fsync=off -c shared_buffers=256MB" start >/dev/null
trap '"${as[@]}" "$bin/pg_ctl" -w -D "$work/data" stop -m fast >/dev/null; rm -rf "$work"' EXIT
psql=(psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1)
"${psql[@]}" -c "CREATE EXTENSION postgis"
pg="PG:host=127.0.0.1 port=$port user=postgres dbname=postgres"
ogr2ogr -f PostgreSQL "$pg" config/chongqing-districts.geojson -nln districts -lco GEOMETRY_NAME=geom
ogr2ogr -f PostgreSQL "$pg" config/demo/resources.geojson -nln resources -lco GEOMETRY_NAME=geom

# The same points for both: uniform over the districts' extent, fixed seed.
python3 - "$points" > "$work/points.csv" <<'PY'
import random, sys
random.seed(20261202)
for i in range(int(sys.argv[1])):
    print("%d,%.6f,%.6f" % (i, random.uniform(105.28, 110.20), random.uniform(28.16, 32.21)))
PY
"${psql[@]}" <<SQL
CREATE TABLE pts (id int PRIMARY KEY, lon float8, lat float8);
\copy pts FROM '$work/points.csv' WITH (FORMAT csv)
ALTER TABLE pts ADD COLUMN geom geometry(Point, 4326);
UPDATE pts SET geom = ST_SetSRID(ST_MakePoint(lon, lat), 4326);
VACUUM ANALYZE districts; VACUUM ANALYZE resources; VACUUM ANALYZE pts;
SQL
query="SELECT count(adcode), sum(k) FROM (SELECT (SELECT d.adcode FROM districts d WHERE ST_Contains(d.geom, p.geom) LIMIT 1) AS adcode, (SELECT count(*) FROM (SELECT 1 FROM resources r ORDER BY r.geom <-> p.geom LIMIT 5) n) AS k FROM pts p) q"
pg_times=()
for run in 1 2 3; do
  out=$("${psql[@]}" -c '\timing on' -c "$query")
  pg_times+=("$(grep -o 'Time: [0-9.]*' <<<"$out" | awk '{print $2}')")
  [[ $run -eq 1 ]] && pg_answers=$(sed -n 3p <<<"$out" | tr -s ' ' | sed 's/^ //')
  [[ $run -eq 1 ]] && echo "PostGIS answers: $pg_answers"
done
pg_ms=$(printf '%s\n' "${pg_times[@]}" | median)
quanyu=$(build/release/bench/quanyu_enrich_points config "$work/points.csv" 2>/dev/null)
echo "Quanyu answers: $quanyu"
pg_inside=${pg_answers%% |*}; pg_neighbours=${pg_answers##*| }
if [[ "$(field inside "$quanyu") $(field neighbours "$quanyu")" != "$pg_inside $pg_neighbours" ]]; then
  echo "run_postgis_bench: the answers differ (PostGIS: $pg_answers; Quanyu: $quanyu)" >&2
  exit 1
fi
q_rate=${quanyu##*rate=}
pg_rate=$(python3 -c "print(round($points / ($pg_ms / 1000.0)))")
versions="PostgreSQL $("${psql[@]}" -At -c 'SHOW server_version'), PostGIS $("${psql[@]}" -At -c 'SELECT postgis_lib_version()'), GEOS $("${psql[@]}" -At -c 'SELECT postgis_geos_version()')"
echo "$versions"
{
  printf '### Spatial enrichment against PostGIS\n\n'
  printf '`bench/run_postgis_bench.sh %s`: for %s random points over Chongqing, the district containing each and its 5 nearest resources. Quanyu in process on one core; %s on one backend, ST_Contains and KNN `<->` over GiST indexes, the whole set in one statement (fsync off). Both give the same answers, checked: %s points inside a district, %s neighbours. Medians of 3.\n\n' \
    "$points" "$points" "$versions" "$pg_inside" "$pg_neighbours"
  printf '| query | Quanyu in process | PostGIS (one statement) | ratio | goal |\n|---|---|---|---|---|\n'
  printf '| district + 5 nearest resources | {:,} points/s | {:,} points/s | %.0f× | ≥ 50× |\n' \
    "$(python3 -c "print($q_rate / $pg_rate)")" | python3 -c "import sys; print(sys.stdin.read().replace('{:,}', '%s', 1).replace('{:,}', '%s', 1) % ('{:,}'.format($q_rate), '{:,}'.format($pg_rate)), end='')"
  echo
} | report
