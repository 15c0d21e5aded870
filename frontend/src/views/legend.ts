import { iconDataUrl, kindKey } from '../map/icons';
import { KIND_INDEX } from '../map/incidentPoints';
import { OUTLINE_COLOUR, shapeCoverage, spriteSize } from '../map/incidentShapes';
import { INCIDENT_KINDS, kindLabel } from '../model/labels';
import { SEVERITIES_DESCENDING, severityColour, severityLabel } from '../model/severity';
import { el } from '../ui/frame';

/** Kinds in the legend are drawn in a neutral colour: on the map the fill is the severity colour. */
const LEGEND_FILL = '#d5dde8';
/** Legend shape radius and outline, in CSS pixels. */
const LEGEND_RADIUS = 8;
const LEGEND_STROKE = 1.3;

function icon(name: string, label: string): HTMLElement {
  return el('span', { class: 'legend-item' }, el('img', { src: iconDataUrl(name), alt: '' }), label);
}

function rgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** A kind's shape on a small canvas, pixel by pixel with the shader's own distance functions. */
export function shapeCanvas(kind: number, fill: string, cssRadius = LEGEND_RADIUS, cssStroke = LEGEND_STROKE): HTMLCanvasElement {
  const ratio = Math.max(1, Math.round(window.devicePixelRatio || 1));
  const radius = cssRadius * ratio;
  const stroke = cssStroke * ratio;
  const size = spriteSize(radius, stroke);
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  canvas.className = 'legend-shape';
  canvas.style.width = `${size / ratio}px`;
  canvas.style.height = `${size / ratio}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return canvas;
  const image = ctx.createImageData(size, size);
  const f = rgb(fill);
  const o = rgb(OUTLINE_COLOUR);
  for (let row = 0; row < size; row += 1) {
    for (let col = 0; col < size; col += 1) {
      // Pixel centres, as gl_PointCoord: from the sprite's centre, y up.
      const { outer, fill: inside } = shapeCoverage(kind, col + 0.5 - size / 2, size / 2 - (row + 0.5), radius, stroke);
      const at = (row * size + col) * 4;
      for (let c = 0; c < 3; c += 1) image.data[at + c] = Math.round(o[c] + (f[c] - o[c]) * inside);
      image.data[at + 3] = Math.round(outer * 255);
    }
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

/** The map key: warning colours, incident kinds (the map's shapes) and the resource layers, with the map's own icons. */
export function mapLegend(): HTMLElement {
  const colours = SEVERITIES_DESCENDING.map((s) =>
    el('span', { class: 'legend-item' }, el('i', { class: 'swatch', style: `background:${severityColour(s)}` }), severityLabel(s)),
  );
  // The same shape as on the map at every zoom; there it is filled with the severity colour.
  const kinds = INCIDENT_KINDS.map((k) =>
    el('span', { class: 'legend-item' }, shapeCanvas(KIND_INDEX.get(kindKey(k)) ?? KIND_INDEX.size, LEGEND_FILL), kindLabel(k)),
  );
  return el(
    'div',
    { class: 'map-legend' },
    el('div', { class: 'legend-row' }, ...colours),
    el('div', { class: 'legend-row' }, ...kinds, icon('team', '救援队伍'), icon('tower', '瞭望塔'), icon('gauge-2', '水位站')),
  );
}
