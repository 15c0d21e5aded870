#!/usr/bin/env bash
# Regression test for the SYNTHETIC demo layers in config/demo/.
#
#  1. Regenerates the layers with tools/gen_demo_layers.py into a temp dir and
#     compares them byte-for-byte with the committed files.
#  2. Independently re-checks the committed layers: counts, ids, property
#     schema, and that every point lies inside its own district polygon
#     (even-odd over all rings), inside no other one, and >= 0.003 deg away
#     from every district boundary.
#
# Usage: tests/tools/demo_layers_test.sh      (PYTHON=... to pick the interpreter)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="${PYTHON:-python3}"
DEMO="$ROOT/config/demo"
DISTRICTS="$ROOT/config/chongqing-districts.geojson"
LAYERS=(resources sensors sensitive rivers)

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# --- 1. reproducibility --------------------------------------------------------
"$PY" "$ROOT/tools/gen_demo_layers.py" --districts "$DISTRICTS" --out "$tmp" >"$tmp/summary.txt" \
  || fail "tools/gen_demo_layers.py failed"

for layer in "${LAYERS[@]}"; do
  committed="$DEMO/$layer.geojson"
  fresh="$tmp/$layer.geojson"
  [[ -f "$committed" ]] || fail "missing committed file config/demo/$layer.geojson"
  [[ -f "$fresh" ]] || fail "generator did not write $layer.geojson"
  if ! cmp -s "$committed" "$fresh"; then
    echo "config/demo/$layer.geojson differs from freshly generated output:" >&2
    diff -u "$committed" "$fresh" | head -n 40 >&2 || true
    fail "config/demo/$layer.geojson is stale or was edited by hand;" \
         "regenerate with: python3 tools/gen_demo_layers.py"
  fi
done

# No unexpected generated files (README.md is hand-written).
extra="$(cd "$tmp" && ls ./*.geojson | sed 's|^\./||' | sort)"
expected="$(printf '%s.geojson\n' "${LAYERS[@]}" | sort)"
[[ "$extra" == "$expected" ]] || fail "generator wrote unexpected files: $extra"
echo "ok: demo layers are byte-identical to a fresh generation"

# --- 2. content checks ---------------------------------------------------------------
"$PY" - "$DEMO" "$DISTRICTS" <<'PYEOF'
import json
import math
import sys

demo, districts_path = sys.argv[1], sys.argv[2]
errors = []


def err(msg):
    errors.append(msg)


with open(districts_path, encoding="utf-8") as fh:
    dist = {}
    for f in json.load(fh)["features"]:
        g = f["geometry"]
        polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        rings = [[tuple(p) for p in r] for poly in polys for r in poly]
        xs = [p[0] for r in rings for p in r]
        ys = [p[1] for r in rings for p in r]
        dist[f["properties"]["adcode"]] = (f["properties"]["name"], rings,
                                           (min(xs), min(ys), max(xs), max(ys)))


def inside(x, y, rings):
    c = False
    for r in rings:
        for i in range(len(r)):
            (ax, ay), (bx, by) = r[i - 1], r[i]
            if (ay > y) != (by > y) and x < ax + (y - ay) * (bx - ax) / (by - ay):
                c = not c
    return c


def boundary_dist(x, y, rings, limit):
    best = limit
    for r in rings:
        for i in range(len(r)):
            (ax, ay), (bx, by) = r[i - 1], r[i]
            if min(ax, bx) - best > x or max(ax, bx) + best < x or \
               min(ay, by) - best > y or max(ay, by) + best < y:
                continue
            dx, dy = bx - ax, by - ay
            l2 = dx * dx + dy * dy
            t = 0.0 if l2 == 0 else max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / l2))
            best = min(best, math.hypot(x - ax - t * dx, y - ay - t * dy))
    return best


MARGIN = 0.003
layers = {}
for layer in ("resources", "sensors", "sensitive", "rivers"):
    with open("%s/%s.geojson" % (demo, layer), encoding="utf-8") as fh:
        text = fh.read()
    fc = json.loads(text)
    if fc.get("type") != "FeatureCollection":
        err("%s: not a FeatureCollection" % layer)
    if not fc.get("name"):
        err("%s: missing top-level name" % layer)
    if "SYNTHETIC" not in fc.get("description", "") or "gen_demo_layers.py" not in fc["description"]:
        err("%s: description must say SYNTHETIC ... tools/gen_demo_layers.py" % layer)
    if not text.endswith("\n"):
        err("%s: missing trailing newline" % layer)
    layers[layer] = fc["features"]

all_ids = set()
by_kind = {}
for layer, feats in layers.items():
    for f in feats:
        p = f["properties"]
        fid = p.get("id")
        if not isinstance(fid, str) or not fid:
            err("%s: feature without string id" % layer)
            continue
        if fid in all_ids:
            err("duplicate id %s" % fid)
        all_ids.add(fid)
        if p.get("synthetic") is not True:
            err("%s: synthetic must be true" % fid)
        for key in ("name", "kind", "adcode", "district"):
            if key not in p:
                err("%s: missing %s" % (fid, key))
        if "（演示）" not in p.get("name", "") and "（示意）" not in p.get("name", ""):
            err("%s: name %r is not marked as demo" % (fid, p.get("name")))
        by_kind.setdefault(p.get("kind"), []).append(f)
        g = f["geometry"]
        if layer == "rivers":
            if g["type"] != "LineString" or len(g["coordinates"]) < 2:
                err("%s: rivers must be LineStrings" % fid)
            continue
        if g["type"] != "Point":
            err("%s: expected Point geometry" % fid)
            continue
        x, y = g["coordinates"]
        ad = p["adcode"]
        if ad not in dist:
            err("%s: unknown adcode %s" % (fid, ad))
            continue
        if p["district"] != dist[ad][0]:
            err("%s: district %r does not match adcode %s (%s)" % (fid, p["district"], ad, dist[ad][0]))
        if not inside(x, y, dist[ad][1]):
            err("%s: point %s,%s not inside %s" % (fid, x, y, ad))
        for other, (oname, orings, ob) in dist.items():
            if other != ad and ob[0] <= x <= ob[2] and ob[1] <= y <= ob[3] and inside(x, y, orings):
                err("%s: point %s,%s also inside %s %s" % (fid, x, y, other, oname))
            if ob[0] - MARGIN <= x <= ob[2] + MARGIN and ob[1] - MARGIN <= y <= ob[3] + MARGIN:
                if boundary_dist(x, y, orings, MARGIN) < MARGIN:
                    err("%s: point %s,%s closer than %s deg to boundary of %s" % (fid, x, y, MARGIN, other))


def count(kind):
    return len(by_kind.get(kind, []))


def need(cond, msg):
    if not cond:
        err(msg)


teams = by_kind.get("rescue_team", [])
need(count("rescue_team") + count("supply_depot") >= 40, "need >= 40 rescue teams + supply depots")
need({f["properties"]["adcode"] for f in teams} == set(dist), "every district needs a rescue team")
need(count("water_source") >= 15, "need >= 15 water sources")
need(count("shelter") >= 25, "need >= 25 shelters")
need(count("fire_tower_camera") >= 30, "need >= 30 fire tower cameras")
need(count("security_camera") >= 35, "need >= 35 security cameras")
need(count("water_gauge") >= 20, "need >= 20 water gauges")
need(count("hazchem_enterprise") >= 15, "need >= 15 hazchem enterprises")
need(sum(1 for f in by_kind.get("hazchem_enterprise", []) if f["properties"]["adcode"] == "500115") >= 10,
     "hazchem enterprises must cluster in 长寿 (>= 10)")
need(count("school") >= 40, "need >= 40 schools")
need(sorted(f["properties"]["id"] for f in layers["rivers"]) == ["river-jialing", "river-yangtze"],
     "rivers.geojson must hold exactly river-yangtze and river-jialing")

kinds = {
    "resources": {"rescue_team", "supply_depot", "water_source", "shelter"},
    "sensors": {"fire_tower_camera", "security_camera", "water_gauge"},
    "sensitive": {"school", "hazchem_enterprise"},
    "rivers": {"river"},
}
for layer, feats in layers.items():
    for f in feats:
        if f["properties"]["kind"] not in kinds[layer]:
            err("%s: unexpected kind %r in %s" % (f["properties"]["id"], f["properties"]["kind"], layer))

for layer in ("resources",):
    for f in layers[layer]:
        p = f["properties"]
        if not isinstance(p.get("capacity"), int) or p["capacity"] <= 0:
            err("%s: capacity must be a positive integer" % p["id"])
for f in teams:
    if f["properties"].get("specialty") not in ("forest_fire", "flood", "urban", "hazchem"):
        err("%s: bad specialty" % f["properties"]["id"])
for kind, code in (("fire_tower_camera", "131"), ("security_camera", "132")):
    for f in by_kind.get(kind, []):
        p = f["properties"]
        i = p["id"]
        if not (len(i) == 20 and i.isdigit() and i.startswith(p["adcode"]) and i[10:13] == code):
            err("%s: not a 20-digit GB/T 28181 id with type %s" % (i, code))
for f in by_kind.get("fire_tower_camera", []):
    p = f["properties"]
    if not (20 <= p.get("mastHeightM", 0) <= 45 and 5000 <= p.get("viewRadiusM", 0) <= 10000):
        err("%s: mastHeightM/viewRadiusM out of range" % p["id"])
codes = set()
for f in by_kind.get("water_gauge", []):
    p = f["properties"]
    sc = p.get("stationCode", "")
    if not (len(sc) == 10 and sc.isdigit()) or p["id"] != "WG-" + sc or sc in codes:
        err("%s: bad or duplicate stationCode %r" % (p["id"], sc))
    codes.add(sc)
    if p.get("river") not in ("长江", "嘉陵江"):
        err("%s: bad river" % p["id"])
    if not p.get("guaranteeLevelM", 0) > p.get("warningLevelM", 0) > 0:
        err("%s: guaranteeLevelM must exceed warningLevelM" % p["id"])
labels = {1: "一级重大危险源", 2: "二级重大危险源", 3: "三级重大危险源", 4: "四级重大危险源"}
for f in by_kind.get("hazchem_enterprise", []):
    p = f["properties"]
    if p.get("riskClass") not in labels or p.get("riskLabel") != labels[p["riskClass"]]:
        err("%s: bad riskClass/riskLabel" % p["id"])
for f in by_kind.get("school", []):
    p = f["properties"]
    if not isinstance(p.get("students"), int) or p["students"] <= 0:
        err("%s: students must be a positive integer" % p["id"])

if errors:
    for e in errors[:50]:
        print("FAIL: " + e, file=sys.stderr)
    print("FAIL: %d problem(s) in config/demo" % len(errors), file=sys.stderr)
    sys.exit(1)
print("ok: content checks passed (%s)" % ", ".join(
    "%s=%d" % (k, len(v)) for k, v in sorted(by_kind.items())))
PYEOF
