// All incidents in one MapLibre custom WebGL layer: one vertex buffer, updated in place for the
// changed points (bufferSubData), so an update costs exactly one map repaint and no re-tiling in
// MapLibre's worker. With software WebGL (SwiftShader) every repaint costs 150–300 ms of CPU, and
// a GeoJSON source update costs one repaint per reloaded tile. Each point is a sprite in which
// the fragment shader draws its kind's shape (incidentShapes.ts: fire a triangle, flood a drop
// with a wave, security a diamond) in its severity colour with a thin dark outline.
import type { CustomLayerInterface, CustomRenderMethodInput, Map as MapLibreMap } from 'maplibre-gl';
import { SEVERITY_COLOURS } from '../model/severity';
import { POINT_FLOATS, PointBuffer } from './incidentPoints';
import { OUTLINE_COLOUR, SHAPES_GLSL, spriteSize, waveHalfWidth } from './incidentShapes';

/** Colour of rank 0 (no severity). */
const UNRANKED_COLOUR = '#8fa3bf';


/** MapLibre's `['interpolate', ['linear'], ['zoom'], ...stops]` for [zoom, value] stops. */
export function interpolateZoom(zoom: number, stops: readonly (readonly [number, number])[]): number {
  if (zoom <= stops[0][0]) return stops[0][1];
  for (let i = 1; i < stops.length; i += 1) {
    const [z1, v1] = stops[i];
    if (zoom <= z1) {
      const [z0, v0] = stops[i - 1];
      return v0 + ((v1 - v0) * (zoom - z0)) / (z1 - z0);
    }
  }
  return stops[stops.length - 1][1];
}

/** Shape radius in pixels: half the size of the square every shape fits in (the outline goes outside it). */
export const RADIUS_STOPS = [[6, 5], [9, 7.5], [12, 10]] as const;
export const STROKE_STOPS = [[6, 1.1], [9, 1.6]] as const;

function rgba(hex: string): [number, number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255, 1];
}

const VERTEX = `
precision highp float;
attribute vec2 a_pos;
attribute float a_rank;
attribute float a_kind;
uniform mat4 u_matrix;
uniform float u_rank;
uniform float u_size;
varying float v_kind;
void main() {
  if (abs(a_rank - u_rank) > 0.5) {
    // Not this pass (or a free slot): outside the clip volume.
    gl_Position = vec4(2.0, 2.0, 2.0, 1.0);
    gl_PointSize = 0.0;
    return;
  }
  gl_Position = u_matrix * vec4(a_pos, 0.0, 1.0);
  gl_PointSize = u_size;
  v_kind = a_kind;
}`;

// main() is shapeCoverage() of incidentShapes.ts (the legend draws with that).
const FRAGMENT = `
precision highp float;
uniform vec4 u_fill;
uniform vec4 u_outline;
uniform float u_size;
uniform float u_radius;
uniform float u_stroke;
uniform float u_wave;
varying float v_kind;
${SHAPES_GLSL}
void main() {
  // Pixels from the sprite's centre, y up.
  vec2 p = (gl_PointCoord - vec2(0.5)) * u_size * vec2(1.0, -1.0);
  vec2 q = p / u_radius;
  int kind = int(v_kind + 0.5);
  float d = shapeDistance(kind, q) * u_radius;
  float outer = 1.0 - smoothstep(u_stroke - 0.5, u_stroke + 0.5, d);
  if (outer <= 0.0) discard;
  float fill = 1.0 - smoothstep(-0.5, 0.5, d);
  if (kind == 1) fill *= smoothstep(-0.5, 0.5, waveDistance(q) * u_radius - u_wave);
  vec4 colour = mix(u_outline, u_fill, fill);
  // Premultiplied alpha, as MapLibre's blend function expects.
  gl_FragColor = vec4(colour.rgb * outer, outer);
}`;

export class IncidentLayer implements CustomLayerInterface {
  readonly type = 'custom' as const;
  readonly renderingMode = '2d' as const;
  private map: MapLibreMap | undefined;
  private program: WebGLProgram | null = null;
  private buffer: WebGLBuffer | null = null;
  private uploadedCapacity = 0;
  private loc: Record<string, WebGLUniformLocation | null> = {};
  private attr = { pos: -1, rank: -1, kind: -1 };

  constructor(
    readonly id: string,
    readonly points: PointBuffer,
  ) {}

  /** Asks for one repaint, in which render() uploads what changed. */
  update(): void {
    this.map?.triggerRepaint();
  }

  onAdd(map: MapLibreMap, gl: WebGLRenderingContext | WebGL2RenderingContext): void {
    this.map = map;
    const compile = (type: number, source: string) => {
      const shader = gl.createShader(type);
      if (!shader) throw new Error('incident layer: no shader');
      gl.shaderSource(shader, source);
      gl.compileShader(shader);
      if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`incident layer: ${gl.getShaderInfoLog(shader)}`);
      return shader;
    };
    const program = gl.createProgram();
    if (!program) throw new Error('incident layer: no program');
    gl.attachShader(program, compile(gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, compile(gl.FRAGMENT_SHADER, FRAGMENT));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`incident layer: ${gl.getProgramInfoLog(program)}`);
    this.program = program;
    for (const name of ['u_matrix', 'u_rank', 'u_size', 'u_radius', 'u_stroke', 'u_wave', 'u_fill', 'u_outline']) this.loc[name] = gl.getUniformLocation(program, name);
    this.attr = { pos: gl.getAttribLocation(program, 'a_pos'), rank: gl.getAttribLocation(program, 'a_rank'), kind: gl.getAttribLocation(program, 'a_kind') };
    this.buffer = gl.createBuffer();
    this.uploadedCapacity = 0;
    this.points.grown = true;
  }

  onRemove(_map: MapLibreMap, gl: WebGLRenderingContext | WebGL2RenderingContext): void {
    if (this.buffer) gl.deleteBuffer(this.buffer);
    if (this.program) gl.deleteProgram(this.program);
    this.buffer = null;
    this.program = null;
    this.map = undefined;
  }

  render(gl: WebGLRenderingContext | WebGL2RenderingContext, options: CustomRenderMethodInput): void {
    const map = this.map;
    const points = this.points;
    if (!map || !this.program || !this.buffer || points.length === 0) return;
    // MapLibre (WebGL 2) keeps vertex array objects bound: set attributes on the default one.
    if ('bindVertexArray' in gl) gl.bindVertexArray(null);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
    if (points.grown || this.uploadedCapacity !== points.data.length) {
      gl.bufferData(gl.ARRAY_BUFFER, points.data, gl.DYNAMIC_DRAW);
      this.uploadedCapacity = points.data.length;
    } else if (points.dirtyFrom < points.dirtyTo) {
      const from = points.dirtyFrom * POINT_FLOATS;
      gl.bufferSubData(gl.ARRAY_BUFFER, from * 4, points.data.subarray(from, points.dirtyTo * POINT_FLOATS));
    }
    points.clean();
    const zoom = map.getZoom();
    const ratio = map.getPixelRatio();
    const radius = interpolateZoom(zoom, RADIUS_STOPS) * ratio;
    const stroke = interpolateZoom(zoom, STROKE_STOPS) * ratio;
    const size = spriteSize(radius, stroke);
    gl.useProgram(this.program);
    // Mercator [0..1] to clip space (modelViewProjectionMatrix is in world pixels).
    gl.uniformMatrix4fv(this.loc.u_matrix, false, new Float32Array(options.defaultProjectionData.mainMatrix as ArrayLike<number>));
    gl.uniform1f(this.loc.u_size, size);
    gl.uniform1f(this.loc.u_radius, radius);
    gl.uniform1f(this.loc.u_stroke, stroke);
    gl.uniform1f(this.loc.u_wave, waveHalfWidth(stroke));
    gl.uniform4fv(this.loc.u_outline, rgba(OUTLINE_COLOUR));
    const stride = POINT_FLOATS * 4;
    gl.enableVertexAttribArray(this.attr.pos);
    gl.vertexAttribPointer(this.attr.pos, 2, gl.FLOAT, false, stride, 0);
    gl.enableVertexAttribArray(this.attr.rank);
    gl.vertexAttribPointer(this.attr.rank, 1, gl.FLOAT, false, stride, 8);
    gl.enableVertexAttribArray(this.attr.kind);
    gl.vertexAttribPointer(this.attr.kind, 1, gl.FLOAT, false, stride, 12);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    // Higher severities on top: one pass per rank, lowest first.
    for (let rank = 0; rank < SEVERITY_COLOURS.length; rank += 1) {
      gl.uniform1f(this.loc.u_rank, rank);
      gl.uniform4fv(this.loc.u_fill, rgba(rank === 0 ? UNRANKED_COLOUR : SEVERITY_COLOURS[rank]));
      gl.drawArrays(gl.POINTS, 0, points.length);
    }
    gl.disableVertexAttribArray(this.attr.pos);
    gl.disableVertexAttribArray(this.attr.rank);
    gl.disableVertexAttribArray(this.attr.kind);
  }
}
