// Map icons drawn on a canvas at start-up (no sprite or glyph downloads): rescue teams, tower
// cameras and gauges by alert level. Incidents are shapes drawn by IncidentLayer's shader.
import type { Map as MapLibreMap } from 'maplibre-gl';

const RATIO = 2;
const SIZE = 22;

export const GAUGE_COLOURS: readonly string[] = ['#26c6da', '#f5c400', '#ff7a00', '#e02020'];

type Draw = (ctx: CanvasRenderingContext2D, s: number) => void;

function image(draw: Draw, size = SIZE): ImageData {
  const px = size * RATIO;
  const canvas = document.createElement('canvas');
  canvas.width = px;
  canvas.height = px;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d canvas');
  ctx.scale(RATIO, RATIO);
  ctx.lineJoin = 'round';
  draw(ctx, size);
  return ctx.getImageData(0, 0, px, px);
}

function finish(ctx: CanvasRenderingContext2D, fill: string): void {
  ctx.fillStyle = fill;
  ctx.fill();
  ctx.lineWidth = 2.2;
  ctx.strokeStyle = '#06101c';
  ctx.stroke();
  ctx.lineWidth = 1;
  ctx.strokeStyle = 'rgba(255,255,255,0.85)';
  ctx.stroke();
}

const team: Draw = (ctx, s) => {
  ctx.beginPath();
  ctx.rect(s * 0.16, s * 0.16, s * 0.68, s * 0.68);
  finish(ctx, '#22b573');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(s * 0.44, s * 0.26, s * 0.12, s * 0.48);
  ctx.fillRect(s * 0.26, s * 0.44, s * 0.48, s * 0.12);
};

const tower: Draw = (ctx, s) => {
  ctx.beginPath();
  ctx.moveTo(s * 0.5, s * 0.1);
  ctx.lineTo(s * 0.85, s * 0.9);
  ctx.lineTo(s * 0.15, s * 0.9);
  ctx.closePath();
  finish(ctx, '#8fa8c8');
  ctx.beginPath();
  ctx.arc(s * 0.5, s * 0.6, s * 0.12, 0, Math.PI * 2);
  ctx.fillStyle = '#06101c';
  ctx.fill();
};

function gauge(colour: string): Draw {
  return (ctx, s) => {
    ctx.beginPath();
    ctx.rect(s * 0.3, s * 0.08, s * 0.4, s * 0.84);
    finish(ctx, '#0b1a2b');
    ctx.fillStyle = colour;
    ctx.fillRect(s * 0.36, s * 0.42, s * 0.28, s * 0.44);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(s * 0.3, s * 0.34, s * 0.4, s * 0.05);
  };
}

/**
 * The shape an incident kind is drawn with (incidentShapes.ts): `fire`, `flood`, `warning` (a
 * published warning: not in KIND_SHAPES, so drawn as a circle) or `security` (any other kind).
 */
export function kindKey(kind: string | undefined): string {
  switch (kind) {
    case 'INCIDENT_KIND_FIRE':
      return 'fire';
    case 'INCIDENT_KIND_FLOOD':
      return 'flood';
    case 'INCIDENT_KIND_WARNING':
      return 'warning';
    default:
      return 'security';
  }
}

function icons(): Map<string, { draw: Draw; size: number }> {
  const out = new Map<string, { draw: Draw; size: number }>();
  out.set('team', { draw: team, size: 16 });
  out.set('tower', { draw: tower, size: 16 });
  GAUGE_COLOURS.forEach((colour, level) => out.set(`gauge-${level}`, { draw: gauge(colour), size: 20 }));
  return out;
}

/** Registers every icon: `team`, `tower`, `gauge-<0..3>`. */
export function addIcons(map: MapLibreMap): void {
  for (const [name, { draw, size }] of icons()) {
    if (!map.hasImage(name)) map.addImage(name, image(draw, size), { pixelRatio: RATIO });
  }
}

/** One icon as a data URL, for HTML (the map legend). */
export function iconDataUrl(name: string): string {
  const icon = icons().get(name);
  if (!icon) return '';
  const data = image(icon.draw, icon.size);
  const canvas = document.createElement('canvas');
  canvas.width = data.width;
  canvas.height = data.height;
  canvas.getContext('2d')?.putImageData(data, 0, 0);
  return canvas.toDataURL('image/png');
}
