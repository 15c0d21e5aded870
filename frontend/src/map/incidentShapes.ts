// The incident shapes by kind, as signed distance functions: once in GLSL for the custom WebGL
// layer (IncidentLayer's fragment shader) and once in TypeScript with the same constants, for
// the map legend (drawn pixel by pixel on small canvases, so it shows exactly what the map draws).
//
// Shape units: the shape's radius R is 1, y points up, the sprite's centre is the origin. A
// distance is negative inside; multiplied by R it is in pixels (the functions are exact SDFs,
// or close to them near the edge, so scaling keeps them distances).

/** Kinds in the order of the point buffer's kind index (kindKey names); other values: a circle. */
export const KIND_SHAPES: readonly string[] = ['fire', 'flood', 'security'];

/** The shapes' outline (and the flood wave): dark, for contrast with the map. */
export const OUTLINE_COLOUR = '#06101c';

/** Fire: an upward triangle with rounded corners (half side TRI_HALF, corner radius TRI_ROUND). */
const TRI_HALF = 1.05;
const TRI_ROUND = 0.14;
/** Moves the triangle down so that its apex and base are equally far from the centre. */
const TRI_SHIFT = 0.233;
/** Flood: a drop (circle of DROP_R below, point of DROP_TIP at DROP_H above it) with a wave. */
const DROP_R = 0.78;
const DROP_TIP = 0.06;
const DROP_H = 1.0;
const DROP_SHIFT = 0.14;
/** The wave across the drop: y = WAVE_Y + WAVE_A sin(WAVE_F x), as a dark line. */
const WAVE_Y = -0.18;
const WAVE_A = 0.11;
const WAVE_F = 5.5;
/** Security: a diamond, half width and half height. */
const DIAMOND_W = 0.86;
const DIAMOND_H = 1.0;
/** Unknown kind: a circle. */
const CIRCLE_R = 0.8;

const SQRT3 = Math.sqrt(3);
const f = (n: number) => n.toFixed(4);

/** GLSL ES 1.0: `float shapeDistance(int kind, vec2 q)` and `float waveDistance(vec2 q)`. */
export const SHAPES_GLSL = `
float sdTriangle(vec2 p, float r) {
  const float k = ${f(SQRT3)};
  p.x = abs(p.x) - r;
  p.y = p.y + r / k;
  if (p.x + k * p.y > 0.0) p = vec2(p.x - k * p.y, -k * p.x - p.y) / 2.0;
  p.x -= clamp(p.x, -2.0 * r, 0.0);
  return -length(p) * sign(p.y);
}
float sdDrop(vec2 p, float r1, float r2, float h) {
  p.x = abs(p.x);
  float b = (r1 - r2) / h;
  float a = sqrt(1.0 - b * b);
  float k = dot(p, vec2(-b, a));
  if (k < 0.0) return length(p) - r1;
  if (k > a * h) return length(p - vec2(0.0, h)) - r2;
  return dot(p, vec2(a, b)) - r1;
}
float sdRhombus(vec2 p, vec2 b) {
  p = abs(p);
  vec2 t = b - 2.0 * p;
  float h = clamp((t.x * b.x - t.y * b.y) / dot(b, b), -1.0, 1.0);
  float d = length(p - 0.5 * b * vec2(1.0 - h, 1.0 + h));
  return d * sign(p.x * b.y + p.y * b.x - b.x * b.y);
}
float shapeDistance(int kind, vec2 q) {
  if (kind == 0) return sdTriangle(q + vec2(0.0, ${f(TRI_SHIFT)}), ${f(TRI_HALF - TRI_ROUND * SQRT3)}) - ${f(TRI_ROUND)};
  if (kind == 1) return sdDrop(q + vec2(0.0, ${f(DROP_SHIFT)}), ${f(DROP_R)}, ${f(DROP_TIP)}, ${f(DROP_H)});
  if (kind == 2) return sdRhombus(q, vec2(${f(DIAMOND_W)}, ${f(DIAMOND_H)}));
  return length(q) - ${f(CIRCLE_R)};
}
float waveDistance(vec2 q) {
  float y = ${f(WAVE_Y)} + ${f(WAVE_A)} * sin(${f(WAVE_F)} * q.x);
  float slope = ${f(WAVE_A * WAVE_F)} * cos(${f(WAVE_F)} * q.x);
  return abs(q.y - y) / sqrt(1.0 + slope * slope);
}`;

function sdTriangle(x: number, y: number, r: number): number {
  const k = SQRT3;
  let px = Math.abs(x) - r;
  let py = y + r / k;
  if (px + k * py > 0) [px, py] = [(px - k * py) / 2, (-k * px - py) / 2];
  px -= Math.min(0, Math.max(-2 * r, px));
  return -Math.hypot(px, py) * Math.sign(py);
}

function sdDrop(x: number, y: number, r1: number, r2: number, h: number): number {
  const px = Math.abs(x);
  const b = (r1 - r2) / h;
  const a = Math.sqrt(1 - b * b);
  const k = -b * px + a * y;
  if (k < 0) return Math.hypot(px, y) - r1;
  if (k > a * h) return Math.hypot(px, y - h) - r2;
  return a * px + b * y - r1;
}

function sdRhombus(x: number, y: number, bx: number, by: number): number {
  const px = Math.abs(x);
  const py = Math.abs(y);
  const tx = bx - 2 * px;
  const ty = by - 2 * py;
  const h = Math.min(1, Math.max(-1, (tx * bx - ty * by) / (bx * bx + by * by)));
  const d = Math.hypot(px - 0.5 * bx * (1 - h), py - 0.5 * by * (1 + h));
  return d * Math.sign(px * by + py * bx - bx * by);
}

/** The same as the shader's shapeDistance (shape units, negative inside). */
export function shapeDistance(kind: number, x: number, y: number): number {
  if (kind === 0) return sdTriangle(x, y + TRI_SHIFT, TRI_HALF - TRI_ROUND * SQRT3) - TRI_ROUND;
  if (kind === 1) return sdDrop(x, y + DROP_SHIFT, DROP_R, DROP_TIP, DROP_H);
  if (kind === 2) return sdRhombus(x, y, DIAMOND_W, DIAMOND_H);
  return Math.hypot(x, y) - CIRCLE_R;
}

/** The same as the shader's waveDistance (distance from the flood wave's centre line). */
export function waveDistance(x: number, y: number): number {
  const wy = WAVE_Y + WAVE_A * Math.sin(WAVE_F * x);
  const slope = WAVE_A * WAVE_F * Math.cos(WAVE_F * x);
  return Math.abs(y - wy) / Math.sqrt(1 + slope * slope);
}

const smoothstep = (e0: number, e1: number, x: number) => {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};

/**
 * Coverage of a pixel at (x, y) pixels from the centre (y up) of a shape of radius `radius` with
 * an outline `stroke` pixels wide: `outer` (shape and outline) and `fill` (the fill colour
 * inside it; the rest of `outer` is outline colour). The shader's main() does the same.
 */
export function shapeCoverage(kind: number, x: number, y: number, radius: number, stroke: number): { outer: number; fill: number } {
  const d = shapeDistance(kind, x / radius, y / radius) * radius;
  const outer = 1 - smoothstep(stroke - 0.5, stroke + 0.5, d);
  let fill = 1 - smoothstep(-0.5, 0.5, d);
  if (kind === 1) fill *= smoothstep(-0.5, 0.5, waveDistance(x / radius, y / radius) * radius - waveHalfWidth(stroke));
  return { outer, fill };
}

/** Half width of the flood wave line in pixels, for an outline `stroke` pixels wide. */
export function waveHalfWidth(stroke: number): number {
  return Math.max(0.4, stroke * 0.33);
}

/** Sprite size in pixels for a shape of this radius and outline (every shape fits in the square |x|, |y| <= 1). */
export function spriteSize(radius: number, stroke: number): number {
  return Math.ceil(2 * (radius + stroke) + 2);
}
