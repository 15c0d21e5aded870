import { describe, expect, it } from 'vitest';
import { interpolateZoom, RADIUS_STOPS } from '../src/map/incidentLayer';
import { KIND_INDEX, POINT_FLOATS, PointBuffer, incidentFeature, mercator, sameFeature } from '../src/map/incidentPoints';
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
    // Chongqing lies east of Greenwich and north of the equator: x > 0.5, y < 0.5.
    expect(x).toBeGreaterThan(0.5);
    expect(y).toBeLessThan(0.5);
    expect(mercator(0, 0)).toEqual([0.5, 0.5]);
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
  it('follows the circle radius stops of the style, clamped at both ends', () => {
    expect(interpolateZoom(5, RADIUS_STOPS)).toBe(3.5);
    expect(interpolateZoom(7.5, RADIUS_STOPS)).toBeCloseTo(4.75);
    expect(interpolateZoom(10.5, RADIUS_STOPS)).toBeCloseTo(7.5);
    expect(interpolateZoom(14, RADIUS_STOPS)).toBe(9);
  });
});
