import { describe, expect, it } from 'vitest';
import { interpolateZoom, RADIUS_STOPS } from '../src/map/incidentLayer';
import { KIND_INDEX, POINT_FLOATS, PointBuffer, incidentFeature, mercator, sameFeature } from '../src/map/incidentPoints';
import { KIND_SHAPES, SHAPES_GLSL, shapeCoverage, shapeDistance, spriteSize, waveDistance } from '../src/map/incidentShapes';
import type { Incident } from '../src/proto';

const fire = (over: Partial<Incident> = {}): Incident => ({
  id: 'INC-1',
  kind: 'INCIDENT_KIND_FIRE',
  severity: 'SEVERITY_YELLOW',
  status: 'INCIDENT_STATUS_NEW',
  position: { lon: 106.55, lat: 29.56 },
  firstSeen: '2026-12-01T06:00:00Z',
  lastSeen: '2026-12-01T06:00:00Z',
  ...over,
});

const feature = (over: Partial<Incident> = {}) => {
  const f = incidentFeature(fire(over));
  if (!f) throw new Error('no feature');
  return f;
};

describe('sameFeature', () => {
  it('ignores what the map does not draw (last seen, evidence, status)', () => {
    expect(sameFeature(feature(), feature({ lastSeen: '2026-12-01T06:05:00Z', status: 'INCIDENT_STATUS_DISPATCHED' }))).toBe(true);
  });

  it('sees a move, a new severity, a new kind and a new first-seen time', () => {
    const base = feature();
    expect(sameFeature(base, feature({ position: { lon: 106.551, lat: 29.56 } }))).toBe(false);
    expect(sameFeature(base, feature({ position: { lon: 106.55, lat: 29.561 } }))).toBe(false);
    expect(sameFeature(base, feature({ severity: 'SEVERITY_RED' }))).toBe(false);
    expect(sameFeature(base, feature({ kind: 'INCIDENT_KIND_FLOOD' }))).toBe(false);
    expect(sameFeature(base, feature({ firstSeen: '2026-12-01T06:00:01Z' }))).toBe(false);
  });

  it('treats an incident not drawn yet as changed', () => {
    expect(sameFeature(undefined, feature())).toBe(false);
  });

  it('has no feature for an incident without a position', () => {
    expect(incidentFeature(fire({ position: undefined }))).toBeUndefined();
  });
});

describe('PointBuffer', () => {
  it('writes mercator position, rank and kind of each incident into its slot', () => {
    const points = new PointBuffer(4);
    points.set(feature());
    const slot = points.slotOf('INC-1');
    expect(slot).toBe(0);
    const [x, y] = mercator(106.55, 29.56);
    const o = (slot ?? 0) * POINT_FLOATS;
    expect(points.data[o]).toBeCloseTo(x, 6);
    expect(points.data[o + 1]).toBeCloseTo(y, 6);
    expect(points.data[o + 2]).toBe(2); // yellow
    expect(points.data[o + 3]).toBe(KIND_INDEX.get('fire'));
    expect(KIND_INDEX.get('fire')).toBe(0);
    // Chongqing lies east of Greenwich and north of the equator: x > 0.5, y < 0.5.
    expect(x).toBeGreaterThan(0.5);
    expect(y).toBeLessThan(0.5);
    expect(mercator(0, 0)).toEqual([0.5, 0.5]);
  });

  it('writes the kind as its shape index: fire 0, flood 1, security (and unknown kinds) 2, published warnings 3 (a circle)', () => {
    const points = new PointBuffer(5);
    points.set(feature({ id: 'f' }));
    points.set(feature({ id: 'w', kind: 'INCIDENT_KIND_FLOOD' }));
    points.set(feature({ id: 's', kind: 'INCIDENT_KIND_SECURITY' }));
    points.set(feature({ id: 'u', kind: 'INCIDENT_KIND_UNSPECIFIED' }));
    points.set(feature({ id: 'p', kind: 'INCIDENT_KIND_WARNING' }));
    const kindOf = (id: string) => points.data[(points.slotOf(id) ?? 0) * POINT_FLOATS + 3];
    expect([kindOf('f'), kindOf('w'), kindOf('s'), kindOf('u'), kindOf('p')]).toEqual([0, 1, 2, 2, 3]);
    expect([...KIND_INDEX.keys()]).toEqual(KIND_SHAPES);
    points.clean();
    points.set(feature({ id: 'f', kind: 'INCIDENT_KIND_FLOOD' }));
    expect(kindOf('f')).toBe(1);
    expect([points.dirtyFrom, points.dirtyTo]).toEqual([0, 1]);
  });

  it('rewrites a changed incident in place and marks only its slot dirty', () => {
    const points = new PointBuffer(4);
    points.set(feature({ id: 'a' }));
    points.set(feature({ id: 'b' }));
    points.set(feature({ id: 'c' }));
    points.clean();
    points.set(feature({ id: 'b', severity: 'SEVERITY_RED' }));
    expect(points.length).toBe(3);
    expect([points.dirtyFrom, points.dirtyTo]).toEqual([1, 2]);
    expect(points.data[1 * POINT_FLOATS + 2]).toBe(4);
    expect(points.grown).toBe(false);
  });

  it('frees the slot of a removed incident (rank -1, not drawn) and reuses it', () => {
    const points = new PointBuffer(4);
    points.set(feature({ id: 'a' }));
    points.set(feature({ id: 'b' }));
    expect(points.delete('a')).toBe(true);
    expect(points.delete('a')).toBe(false);
    expect(points.data[2]).toBe(-1);
    expect(points.size).toBe(1);
    points.set(feature({ id: 'c' }));
    expect(points.slotOf('c')).toBe(0);
    expect(points.length).toBe(2);
  });

  it('grows past its capacity, keeping the points, and asks for a full upload', () => {
    const points = new PointBuffer(2);
    points.clean();
    for (let i = 0; i < 5; i += 1) points.set(feature({ id: `i${i}`, position: { lon: 100 + i, lat: 30 } }));
    expect(points.grown).toBe(true);
    expect(points.data.length).toBeGreaterThanOrEqual(5 * POINT_FLOATS);
    expect(points.data[0]).toBeCloseTo(mercator(100, 30)[0], 6);
    expect(points.data[4 * POINT_FLOATS]).toBeCloseTo(mercator(104, 30)[0], 6);
  });
});

describe('interpolateZoom', () => {
  it('follows the shape radius stops, clamped at both ends', () => {
    expect(interpolateZoom(5, RADIUS_STOPS)).toBe(5);
    expect(interpolateZoom(7.5, RADIUS_STOPS)).toBeCloseTo(6.25);
    expect(interpolateZoom(10.5, RADIUS_STOPS)).toBeCloseTo(8.75);
    expect(interpolateZoom(14, RADIUS_STOPS)).toBe(10);
  });
});

describe('incident shapes', () => {
  const kinds = [0, 1, 2, 3];
  it('contain the centre and fit in the unit square (the sprite without the outline), for every kind', () => {
    for (const kind of kinds) {
      expect(shapeDistance(kind, 0, 0)).toBeLessThan(0);
      for (let t = -1; t <= 1; t += 1 / 32) {
        for (const [x, y] of [[t, 1], [t, -1], [1, t], [-1, t]]) expect(shapeDistance(kind, x, y)).toBeGreaterThanOrEqual(-1e-6);
      }
    }
  });

  it('tell the kinds apart: a triangle pointing up, a drop, a diamond', () => {
    // Fire: wide flat base, narrow top.
    expect(shapeDistance(0, 0.7, -0.75)).toBeLessThan(0);
    expect(shapeDistance(0, 0.3, 0.75)).toBeGreaterThan(0);
    // Flood: round bottom, pointed top.
    expect(shapeDistance(1, 0, -0.8)).toBeLessThan(0);
    expect(shapeDistance(1, 0.7, -0.85)).toBeGreaterThan(0);
    expect(shapeDistance(1, 0, 0.8)).toBeLessThan(0);
    expect(shapeDistance(1, 0.3, 0.7)).toBeGreaterThan(0);
    // Security: corners on the axes, nothing in the diagonal corners.
    expect(shapeDistance(2, 0, 0.95)).toBeLessThan(0);
    expect(shapeDistance(2, 0.8, 0)).toBeLessThan(0);
    expect(shapeDistance(2, 0.5, 0.5)).toBeGreaterThan(0);
    // Distances: the diamond's edge is a line, so half-way out is half the apothem.
    const apothem = (0.86 * 1.0) / Math.hypot(0.86, 1.0);
    expect(shapeDistance(2, 0, 0)).toBeCloseTo(-apothem, 6);
  });

  it('cover a pixel with fill inside, outline at the edge and nothing outside', () => {
    const inside = shapeCoverage(2, 0, 2, 8, 1.5);
    expect(inside).toEqual({ outer: 1, fill: 1 });
    // Just outside the diamond's top corner, within the outline.
    const edge = shapeCoverage(2, 0, 8.8, 8, 1.5);
    expect(edge.outer).toBeGreaterThan(0.5);
    expect(edge.fill).toBe(0);
    expect(shapeCoverage(2, 6, 6, 8, 1.5).outer).toBe(0);
    // The flood wave is drawn in the outline colour across the drop.
    const onWave = shapeCoverage(1, 0, -0.18 * 8, 8, 1.5);
    expect(onWave.outer).toBe(1);
    expect(onWave.fill).toBeLessThan(0.5);
    expect(waveDistance(0, -0.18)).toBeCloseTo(0, 6);
    expect(spriteSize(8, 1.5)).toBe(21);
  });

  it('has GLSL for the shader with the same functions', () => {
    expect(SHAPES_GLSL).toContain('float shapeDistance(int kind, vec2 q)');
    expect(SHAPES_GLSL).toContain('float waveDistance(vec2 q)');
    expect(SHAPES_GLSL).not.toMatch(/NaN|undefined/);
  });
});
