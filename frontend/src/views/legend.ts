import { KIND_RING_COLOURS, iconDataUrl, kindKey } from '../map/icons';
import { INCIDENT_KINDS, kindLabel } from '../model/labels';
import { SEVERITIES_DESCENDING, severityColour, severityLabel } from '../model/severity';
import { el } from '../ui/frame';

function icon(name: string, label: string): HTMLElement {
  return el('span', { class: 'legend-item' }, el('img', { src: iconDataUrl(name), alt: '' }), label);
}

/** The map key: warning colours, incident kinds and the resource layers, with the map's own icons. */
export function mapLegend(): HTMLElement {
  const colours = SEVERITIES_DESCENDING.map((s) =>
    el('span', { class: 'legend-item' }, el('i', { class: 'swatch', style: `background:${severityColour(s)}` }), severityLabel(s)),
  );
  // Dots ringed in the kind's colour; zoomed in, the kind's icon.
  const kinds = INCIDENT_KINDS.map((k) =>
    el(
      'span',
      { class: 'legend-item' },
      el('i', { class: 'ring', style: `border-color:${KIND_RING_COLOURS[kindKey(k)]}` }),
      el('img', { src: iconDataUrl(`incident-${kindKey(k)}-4`), alt: '' }),
      kindLabel(k),
    ),
  );
  return el(
    'div',
    { class: 'map-legend' },
    el('div', { class: 'legend-row' }, ...colours),
    el('div', { class: 'legend-row' }, ...kinds, icon('team', '救援队伍'), icon('tower', '瞭望塔'), icon('gauge-2', '水位站')),
  );
}
