// Map icons drawn on a canvas at start-up (no sprite or glyph downloads): incidents by kind in
// their severity colour, rescue teams, tower cameras and gauges by alert level.
import type { Map as MapLibreMap } from 'maplibre-gl';
import { SEVERITY_COLOURS } from '../model/severity';

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

/** Fire: a flame. */
function fire(colour: string): Draw {
  return (ctx, s) => {
    ctx.beginPath();
    ctx.moveTo(s * 0.5, s * 0.06);
    ctx.bezierCurveTo(s * 0.78, s * 0.32, s * 0.9, s * 0.52, s * 0.84, s * 0.7);
    ctx.bezierCurveTo(s * 0.78, s * 0.88, s * 0.64, s * 0.95, s * 0.5, s * 0.95);
    ctx.bezierCurveTo(s * 0.36, s * 0.95, s * 0.22, s * 0.88, s * 0.16, s * 0.7);
    ctx.bezierCurveTo(s * 0.1, s * 0.52, s * 0.24, s * 0.36, s * 0.36, s * 0.26);
    ctx.bezierCurveTo(s * 0.38, s * 0.4, s * 0.44, s * 0.46, s * 0.5, s * 0.48);
    ctx.bezierCurveTo(s * 0.5, s * 0.32, s * 0.5, s * 0.2, s * 0.5, s * 0.06);
    ctx.closePath();
    finish(ctx, colour);
  };
}

/** Flood: a drop with a wave. */
function flood(colour: string): Draw {
  return (ctx, s) => {
    ctx.beginPath();
    ctx.moveTo(s * 0.5, s * 0.05);
    ctx.bezierCurveTo(s * 0.72, s * 0.36, s * 0.88, s * 0.52, s * 0.88, s * 0.66);
    ctx.arc(s * 0.5, s * 0.66, s * 0.38, 0, Math.PI, false);
    ctx.bezierCurveTo(s * 0.12, s * 0.52, s * 0.28, s * 0.36, s * 0.5, s * 0.05);
    ctx.closePath();
    finish(ctx, colour);
    ctx.beginPath();
    ctx.moveTo(s * 0.26, s * 0.7);
    ctx.quadraticCurveTo(s * 0.38, s * 0.6, s * 0.5, s * 0.7);
    ctx.quadraticCurveTo(s * 0.62, s * 0.8, s * 0.74, s * 0.7);
    ctx.lineWidth = 1.6;
    ctx.strokeStyle = '#06101c';
    ctx.stroke();
  };
}

/** Security: a shield. */
function security(colour: string): Draw {
  return (ctx, s) => {
    ctx.beginPath();
    ctx.moveTo(s * 0.5, s * 0.06);
    ctx.lineTo(s * 0.88, s * 0.2);
    ctx.bezierCurveTo(s * 0.88, s * 0.6, s * 0.74, s * 0.82, s * 0.5, s * 0.95);
    ctx.bezierCurveTo(s * 0.26, s * 0.82, s * 0.12, s * 0.6, s * 0.12, s * 0.2);
    ctx.closePath();
    finish(ctx, colour);
  };
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

/** Ring colour of an incident's dot by kind (kindKey), so the kind shows without an icon. */
export const KIND_RING_COLOURS: Readonly<Record<string, string>> = {
  fire: '#ffffff',
  flood: '#4fc3f7',
  security: '#c77dff',
};

export function kindKey(kind: string | undefined): string {
  switch (kind) {
    case 'INCIDENT_KIND_FIRE':
      return 'fire';
    case 'INCIDENT_KIND_FLOOD':
      return 'flood';
    default:
      return 'security';
  }
}

function icons(): Map<string, { draw: Draw; size: number }> {
  const out = new Map<string, { draw: Draw; size: number }>();
  SEVERITY_COLOURS.forEach((colour, rank) => {
    out.set(`incident-fire-${rank}`, { draw: fire(colour), size: 26 });
    out.set(`incident-flood-${rank}`, { draw: flood(colour), size: 26 });
    out.set(`incident-security-${rank}`, { draw: security(colour), size: 24 });
  });
  out.set('team', { draw: team, size: 16 });
  out.set('tower', { draw: tower, size: 16 });
  GAUGE_COLOURS.forEach((colour, level) => out.set(`gauge-${level}`, { draw: gauge(colour), size: 20 }));
  return out;
}

/** Registers every icon: `incident-<fire|flood|security>-<rank 0..4>`, `team`, `tower`, `gauge-<0..3>`. */
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
