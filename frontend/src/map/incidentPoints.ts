// Pure parts of the incident map layer (no MapLibre, no WebGL): the feature drawn for an
// incident, whether it changed, and the vertex array the custom WebGL layer uploads.
import { severityRank } from '../model/severity';
import { toMillis } from '../model/time';
import type { Incident } from '../proto';
import { kindKey } from './icons';
import { KIND_SHAPES } from './incidentShapes';

// Features carry their id as a property only: MapLibre's tiler cannot encode string feature ids,
// so every source that needs ids (feature state, updateData) promotes the property instead.
export interface PointFeature {
  type: 'Feature';
  geometry: { type: 'Point'; coordinates: [number, number] };
  properties: Record<string, string | number | boolean>;
}

export function incidentFeature(incident: Incident): PointFeature | undefined {
  const lon = incident.position?.lon;
  const lat = incident.position?.lat;
  if (lon === undefined || lat === undefined) return undefined;
  const rank = severityRank(incident.severity);
  return {
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [lon, lat] },
    properties: {
      id: incident.id,
      kind: kindKey(incident.kind),
      rank,
      // Server clock; refreshFlashing compares it with the estimated server time.
      firstSeen: toMillis(incident.firstSeen) ?? 0,
    },
  };
}

/** Whether two incident features would be drawn the same (position, severity, kind, first seen). */
export function sameFeature(a: PointFeature | undefined, b: PointFeature): boolean {
  if (!a) return false;
  const [ax, ay] = a.geometry.coordinates;
  const [bx, by] = b.geometry.coordinates;
  if (ax !== bx || ay !== by) return false;
  const pa = a.properties;
  const pb = b.properties;
  return pa.rank === pb.rank && pa.kind === pb.kind && pa.firstSeen === pb.firstSeen;
}

/** Shape index of each kind (kindKey), in the order of KIND_SHAPES; the shader draws other values as a circle. */
export const KIND_INDEX: ReadonlyMap<string, number> = new Map(KIND_SHAPES.map((k, i) => [k, i]));

/** Web Mercator of a position, in MapLibre's world units (0..1 across the world, y down). */
export function mercator(lon: number, lat: number): [number, number] {
  const x = (180 + lon) / 360;
  const clamped = Math.max(-85.051129, Math.min(85.051129, lat));
  const y = (180 - (180 / Math.PI) * Math.log(Math.tan(Math.PI / 4 + (clamped * Math.PI) / 360))) / 360;
  return [x, y];
}

/** Floats per point in PointBuffer.data: mercator x, y, severity rank (-1 = free slot), kind (shape) index. */
export const POINT_FLOATS = 4;

/**
 * The incidents' points as one interleaved vertex array, a slot per incident. Changing one
 * incident rewrites its 4 floats in place and widens the dirty range, so the layer uploads only
 * that range (bufferSubData) and the map repaints once; no worker re-tiling. Freed slots get
 * rank -1 (not drawn) and are reused.
 */
export class PointBuffer {
  data: Float32Array;
  /** Slots in use or freed: the layer draws [0, length). */
  length = 0;
  /** Dirty range in slots, [dirtyFrom, dirtyTo); empty when dirtyFrom >= dirtyTo. */
  dirtyFrom = Infinity;
  dirtyTo = 0;
  /** Set when `data` was reallocated: the whole array must be uploaded again. */
  grown = true;
  private readonly slots = new Map<string, number>();
  private readonly free: number[] = [];

  constructor(capacity = 1024) {
    this.data = new Float32Array(Math.max(1, capacity) * POINT_FLOATS);
  }

  get size(): number {
    return this.slots.size;
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  slotOf(id: string): number | undefined {
    return this.slots.get(id);
  }

  /** Adds or rewrites the point of `feature` (its id is properties.id). */
  set(feature: PointFeature): void {
    const id = String(feature.properties.id);
    let slot = this.slots.get(id);
    if (slot === undefined) {
      slot = this.free.pop() ?? this.length++;
      this.slots.set(id, slot);
      if (slot * POINT_FLOATS >= this.data.length) this.grow();
    }
    const [x, y] = mercator(feature.geometry.coordinates[0], feature.geometry.coordinates[1]);
    const kind = KIND_INDEX.get(String(feature.properties.kind)) ?? KIND_INDEX.size;
    this.write(slot, x, y, Number(feature.properties.rank), kind);
  }

  delete(id: string): boolean {
    const slot = this.slots.get(id);
    if (slot === undefined) return false;
    this.slots.delete(id);
    this.write(slot, 0, 0, -1, 0);
    this.free.push(slot);
    return true;
  }

  clear(): void {
    this.slots.clear();
    this.free.length = 0;
    this.length = 0;
    this.dirtyFrom = Infinity;
    this.dirtyTo = 0;
    this.grown = true;
  }

  /** Marks the dirty range uploaded. */
  clean(): void {
    this.dirtyFrom = Infinity;
    this.dirtyTo = 0;
    this.grown = false;
  }

  private write(slot: number, x: number, y: number, rank: number, kind: number): void {
    const o = slot * POINT_FLOATS;
    this.data[o] = x;
    this.data[o + 1] = y;
    this.data[o + 2] = rank;
    this.data[o + 3] = kind;
    this.dirtyFrom = Math.min(this.dirtyFrom, slot);
    this.dirtyTo = Math.max(this.dirtyTo, slot + 1);
  }

  private grow(): void {
    const next = new Float32Array(this.data.length * 2);
    next.set(this.data);
    this.data = next;
    this.grown = true;
  }
}
