// The situation map: a MapLibre style made only of Quanyu's own layers (no glyphs, sprites or
// tiles from the internet), fed from the live store at most once per animation frame.
import maplibregl from 'maplibre-gl';
import type { GeoJSONSource, LngLatBoundsLike, Map as MapLibreMap, StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import type { Api, GeoJsonCollection, GeoJsonFeature } from '../api';
import type { ClientConfig } from '../config';
import type { LiveStore, StoreChange } from '../live/store';
import { isOpen } from '../model/labels';
import { districtSeverity, gaugeAlertLevel } from '../model/situation';
import { SEVERITY_COLOURS } from '../model/severity';
import type { Gauge } from '../proto';
import { addIcons } from './icons';
import { IncidentLayer, RADIUS_STOPS, STROKE_STOPS, interpolateZoom } from './incidentLayer';
import { PointBuffer, incidentFeature, sameFeature, type PointFeature } from './incidentPoints';

export { sameFeature };

export const NEW_FLASH_MS = 30_000;
/**
 * The map is updated at most once per frame and at most this often after a quiet spell, so a
 * single new incident shows at once. Each update repaints the map once (the incidents are
 * one vertex buffer, see IncidentLayer), which with software WebGL costs 150–300 ms of CPU.
 */
const MIN_SOURCE_UPDATE_MS = 200;
/** While updates keep coming (the previous one less than BUSY_WINDOW_MS ago): at most once a second. */
const BUSY_SOURCE_UPDATE_MS = 1000;
const BUSY_WINDOW_MS = 2000;
/** At most this many new incidents pulse at once (a burst of thousands would only be noise). */
const MAX_FLASHING = 24;
const BLINK_MS = 500;

export interface SituationMapOptions {
  container: HTMLElement;
  api: Api;
  config: ClientConfig;
  interactive: boolean;
  /** Called when the operator clicks an incident. */
  onSelect?: (incidentId: string) => void;
}

type Bounds = [number, number, number, number];

function emptyCollection(): { type: 'FeatureCollection'; features: PointFeature[] } {
  return { type: 'FeatureCollection', features: [] };
}

function extendBounds(bounds: Bounds, coordinates: unknown): void {
  if (!Array.isArray(coordinates)) return;
  if (typeof coordinates[0] === 'number' && typeof coordinates[1] === 'number') {
    bounds[0] = Math.min(bounds[0], coordinates[0]);
    bounds[1] = Math.min(bounds[1], coordinates[1]);
    bounds[2] = Math.max(bounds[2], coordinates[0]);
    bounds[3] = Math.max(bounds[3], coordinates[1]);
    return;
  }
  for (const part of coordinates) extendBounds(bounds, part);
}

export function featureBounds(features: GeoJsonFeature[]): Bounds | undefined {
  const bounds: Bounds = [Infinity, Infinity, -Infinity, -Infinity];
  for (const f of features) extendBounds(bounds, f.geometry?.coordinates);
  return Number.isFinite(bounds[0]) ? bounds : undefined;
}

function gaugeFeature(gauge: Gauge): PointFeature | undefined {
  const lon = gauge.position?.lon;
  const lat = gauge.position?.lat;
  if (lon === undefined || lat === undefined) return undefined;
  const level = gaugeAlertLevel(gauge);
  return {
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [lon, lat] },
    properties: { id: gauge.gaugeId, icon: `gauge-${level}`, level },
  };
}

function style(config: ClientConfig): StyleSpecification {
  const spec: StyleSpecification = {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#050d18' } }],
  };
  if (config.tileUrl) {
    spec.sources.basemap = {
      type: 'raster',
      tiles: [config.tileUrl],
      tileSize: 256,
      attribution: config.tileAttribution ?? undefined,
    };
    spec.layers.push({ id: 'basemap', type: 'raster', source: 'basemap', paint: { 'raster-opacity': 0.55 } });
  }
  return spec;
}

export class SituationMap {
  readonly map: MapLibreMap | undefined;
  /** Set when the browser cannot draw the map (no WebGL); the panels still work. */
  readonly failure: string | undefined;
  private ready = false;
  private lastUpdate = -Infinity;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private readonly pendingIncidents = new Set<string>();
  private pendingReset = true;
  private pendingGauges = true;
  private shownDistrictSeverity = new Map<string, number>();
  /** Every incident drawn, by id. */
  private incidentsOnMap = new Map<string, PointFeature>();
  /** Their shapes: one vertex buffer drawn by `incidentLayer` (one repaint per update). */
  private readonly points = new PointBuffer(8192);
  private readonly incidentLayer = new IncidentLayer('incidents', this.points);
  private readonly flashing = new Map<string, maplibregl.Marker>();
  private flashTimer: ReturnType<typeof setInterval> | undefined;
  private districts: GeoJsonCollection | undefined;
  private labelMarkers: maplibregl.Marker[] = [];
  private selected = '';
  /** Server clock minus local clock (ms), as of the last flush. */
  private clockOffsetMs = 0;
  private readyResolve: (() => void) | undefined;
  private readonly readyPromise = new Promise<void>((resolve) => (this.readyResolve = resolve));

  constructor(private readonly options: SituationMapOptions) {
    try {
      this.map = new maplibregl.Map({
        container: options.container,
        style: style(options.config),
        bounds: [105.29, 28.16, 110.2, 32.2],
        fitBoundsOptions: { padding: 12 },
        interactive: options.interactive,
        attributionControl: options.config.tileAttribution ? { compact: true } : false,
        dragRotate: false,
        pitchWithRotate: false,
        fadeDuration: 0,
      });
    } catch (error) {
      this.failure = error instanceof Error ? error.message : String(error);
      options.container.classList.add('map-failed');
      options.container.textContent = `地图无法显示（浏览器不支持 WebGL）：${this.failure}`;
      return;
    }
    this.map.on('load', () => void this.onLoad());
    this.map.on('error', (e) => console.error(`map: ${e.error?.message ?? 'error'}`));
  }

  /** Resolves once the style and Quanyu's layers are on the map. */
  whenReady(): Promise<void> {
    return this.readyPromise;
  }

  /** Notes what a store change touched; the next flush() draws it. */
  note(change: StoreChange): void {
    if (change.reset) {
      this.pendingReset = true;
      this.pendingIncidents.clear();
    } else if (!this.pendingReset) {
      for (const id of change.incidents) this.pendingIncidents.add(id);
      for (const id of change.removed) this.pendingIncidents.add(id);
    }
    if (change.gauges || change.reset) this.pendingGauges = true;
  }

  /**
   * Draws what changed since the last flush: the changed incidents' points (one repaint), the
   * district shading and the gauges (one setData). When
   * called sooner than MIN_SOURCE_UPDATE_MS after the last update, it asks `requestFrame` to
   * come back when that time is up.
   */
  flush(store: LiveStore, clockOffsetMs: number, requestFrame: () => void): void {
    const map = this.map;
    if (!map || !this.ready) return;
    this.clockOffsetMs = clockOffsetMs;
    const now = performance.now();
    const interval = now - this.lastUpdate < BUSY_WINDOW_MS ? BUSY_SOURCE_UPDATE_MS : MIN_SOURCE_UPDATE_MS;
    const wait = this.lastUpdate + interval - now;
    if (wait > 0) {
      if (this.retry === undefined && (this.pendingReset || this.pendingIncidents.size > 0 || this.pendingGauges)) {
        this.retry = setTimeout(() => {
          this.retry = undefined;
          requestFrame();
        }, wait);
      }
      return;
    }
    if (!this.pendingReset && this.pendingIncidents.size === 0 && !this.pendingGauges) return;
    let incidentsChanged = false;
    if (this.pendingReset) {
      this.incidentsOnMap.clear();
      this.points.clear();
      for (const incident of store.incidents.values()) {
        if (!isOpen(incident.status)) continue;
        const feature = incidentFeature(incident);
        if (!feature) continue;
        this.incidentsOnMap.set(incident.id, feature);
        this.points.set(feature);
      }
      incidentsChanged = true;
    } else {
      for (const id of this.pendingIncidents) {
        const incident = store.incidents.get(id);
        const feature = incident && isOpen(incident.status) ? incidentFeature(incident) : undefined;
        if (feature) {
          // Only what the map shows counts: new evidence for a fire already drawn changes nothing.
          if (sameFeature(this.incidentsOnMap.get(id), feature)) continue;
          this.incidentsOnMap.set(id, feature);
          this.points.set(feature);
        } else if (this.incidentsOnMap.delete(id)) {
          this.points.delete(id);
        } else {
          continue;
        }
        incidentsChanged = true;
      }
    }
    if (incidentsChanged) {
      // One repaint draws the changed points (and the district shading set below).
      this.incidentLayer.update();
      this.refreshSelected();
    }
    if (incidentsChanged) {
      // Shading follows severities and statuses.
      this.shownDistrictSeverity = this.shadeDistricts(store, this.shownDistrictSeverity);
    }
    this.pendingReset = false;
    this.pendingIncidents.clear();
    if (incidentsChanged) {
      this.lastUpdate = now;
      this.refreshFlashing();
    }
    this.options.container.dataset.incidents = String(this.incidentsOnMap.size);
    if (this.pendingGauges) {
      this.pendingGauges = false;
      const features: PointFeature[] = [];
      for (const gauge of store.gauges.values()) {
        const feature = gaugeFeature(gauge);
        if (feature) features.push(feature);
      }
      (map.getSource('gauges') as GeoJSONSource).setData({ type: 'FeatureCollection', features });
      this.options.container.dataset.gauges = String(features.length);
      this.lastUpdate = now;
    }
  }

  select(incidentId: string): void {
    this.selected = incidentId;
    if (!this.map || !this.ready) return;
    this.refreshSelected();
  }

  /** The selection ring: a one-feature source, set only when the selection or its position changes. */
  private shownSelected: PointFeature | undefined;
  private refreshSelected(): void {
    const map = this.map;
    if (!map || !this.ready) return;
    const feature = this.selected ? this.incidentsOnMap.get(this.selected) : undefined;
    const prev = this.shownSelected;
    if (prev === feature || (prev && feature && prev.geometry.coordinates[0] === feature.geometry.coordinates[0] && prev.geometry.coordinates[1] === feature.geometry.coordinates[1])) return;
    this.shownSelected = feature;
    (map.getSource('incident-selected') as GeoJSONSource).setData({ type: 'FeatureCollection', features: feature ? [feature] : [] } as never);
  }

  /** The incident drawn nearest to a screen point, within its shape's radius (plus a few pixels). */
  private incidentAt(point: { x: number; y: number }): string | undefined {
    const map = this.map;
    if (!map) return undefined;
    const zoom = map.getZoom();
    const reach = interpolateZoom(zoom, RADIUS_STOPS) + interpolateZoom(zoom, STROKE_STOPS) + 3;
    let best: string | undefined;
    let bestRank = -1;
    let bestDistance = Infinity;
    for (const [id, feature] of this.incidentsOnMap) {
      const p = map.project(feature.geometry.coordinates);
      const d = Math.hypot(p.x - point.x, p.y - point.y);
      if (d > reach) continue;
      // Higher severities are drawn on top.
      const rank = Number(feature.properties.rank);
      if (rank > bestRank || (rank === bestRank && d < bestDistance)) {
        best = id;
        bestRank = rank;
        bestDistance = d;
      }
    }
    return best;
  }

  flyTo(lon: number, lat: number): void {
    this.map?.easeTo({ center: [lon, lat], zoom: Math.max(this.map.getZoom(), 9), duration: 600 });
  }

  /**
   * Frames the map on the districts with these adcodes and labels them; without adcodes, on the
   * whole jurisdiction with every label. Adcodes matching no district frame the whole region unlabelled.
   */
  async frameDistricts(adcodes: ReadonlySet<string> | undefined): Promise<void> {
    await this.whenReady();
    const map = this.map;
    if (!map || !this.districts) return;
    const all = this.districts.features;
    const chosen = adcodes ? all.filter((f) => adcodes.has(String(f.properties.adcode))) : all;
    const bounds = featureBounds(chosen.length > 0 ? chosen : all);
    if (bounds) map.fitBounds(bounds as LngLatBoundsLike, { padding: 32, duration: 0 });
    this.options.container.dataset.framed = adcodes && chosen.length > 0 ? chosen.map((f) => String(f.properties.adcode)).sort().join(',') : 'all';
    this.showLabels(chosen);
  }

  /** The jurisdiction layer's features (empty until whenReady()). */
  districtFeatures(): GeoJsonFeature[] {
    return this.districts?.features ?? [];
  }

  resize(): void {
    this.map?.resize();
  }

  destroy(): void {
    clearInterval(this.flashTimer);
    clearTimeout(this.retry);
    for (const m of this.labelMarkers) m.remove();
    for (const m of this.flashing.values()) m.remove();
    this.map?.remove();
  }

  private async onLoad(): Promise<void> {
    const map = this.map;
    if (!map) return;
    addIcons(map);
    map.addSource('districts', { type: 'geojson', data: emptyCollection(), promoteId: 'adcode' });
    map.addSource('rivers', { type: 'geojson', data: emptyCollection() });
    map.addSource('teams', { type: 'geojson', data: emptyCollection() });
    map.addSource('towers', { type: 'geojson', data: emptyCollection() });
    map.addSource('gauges', { type: 'geojson', data: emptyCollection(), promoteId: 'id' });
    map.addSource('incident-selected', { type: 'geojson', data: emptyCollection() });
    const tiles = Boolean(this.options.config.tileUrl);
    const rankColour: unknown[] = ['match', ['coalesce', ['feature-state', 'rank'], 0]];
    SEVERITY_COLOURS.forEach((colour, rank) => rank > 0 && rankColour.push(rank, colour));
    rankColour.push(tiles ? 'rgba(16,36,58,0.35)' : '#0d2034');
    map.addLayer({
      id: 'districts-fill',
      type: 'fill',
      source: 'districts',
      paint: {
        'fill-color': rankColour as never,
        'fill-opacity': ['case', ['>', ['coalesce', ['feature-state', 'rank'], 0], 0], 0.42, tiles ? 0.35 : 1],
        // The outline layer draws the borders; the fill's own antialiasing pass would draw them again.
        'fill-antialias': false,
      },
    });
    map.addLayer({
      id: 'districts-line',
      type: 'line',
      source: 'districts',
      paint: { 'line-color': '#4f86bd', 'line-width': 1, 'line-opacity': 0.8 },
    });
    map.addLayer({
      id: 'rivers',
      type: 'line',
      source: 'rivers',
      paint: { 'line-color': '#2f8fd8', 'line-width': ['interpolate', ['linear'], ['zoom'], 6, 2, 11, 5], 'line-opacity': 0.85 },
    });
    const pointLayer = (id: string, image: unknown, small: number, large: number) =>
      map.addLayer({
        id,
        type: 'symbol',
        source: id,
        layout: {
          'icon-image': image as never,
          'icon-size': ['interpolate', ['linear'], ['zoom'], 6, small, 11, large],
          'icon-allow-overlap': true,
          'icon-ignore-placement': true,
        },
      });
    pointLayer('towers', 'tower', 0.7, 1);
    pointLayer('teams', 'team', 0.7, 1);
    pointLayer('gauges', ['get', 'icon'], 0.8, 1.2);
    // Thousands of incidents: their kind's shape filled in the severity colour, higher
    // severities on top, at every zoom, all from one vertex buffer (IncidentLayer).
    map.addLayer(this.incidentLayer);
    map.addLayer({
      id: 'incident-selected',
      type: 'circle',
      source: 'incident-selected',
      paint: { 'circle-color': 'rgba(0,0,0,0)', 'circle-radius': 16, 'circle-stroke-width': 3, 'circle-stroke-color': '#ffffff' },
    });
    if (this.options.onSelect) {
      const onSelect = this.options.onSelect;
      map.on('click', (e) => {
        const id = this.incidentAt(e.point);
        if (id) onSelect(id);
      });
      let hover = false;
      map.on('mousemove', (e) => {
        const over = this.incidentAt(e.point) !== undefined;
        if (over !== hover) map.getCanvas().style.cursor = over ? 'pointer' : '';
        hover = over;
      });
    }
    try {
      await this.loadLayers();
    } catch (error) {
      console.error('layers could not be loaded', error);
    }
    this.ready = true;
    this.readyResolve?.();
  }

  private async loadLayers(): Promise<void> {
    const map = this.map;
    if (!map) return;
    const { api } = this.options;
    const list = await api.layers();
    const names = new Set((list.layers ?? []).map((l) => l.name));
    const jurisdiction = (list.layers ?? []).find((l) => l.role === 'LAYER_ROLE_JURISDICTION')?.name ?? 'districts';
    const load = async (name: string, source: string, filter: Record<string, string> = {}) => {
      if (!names.has(name)) return undefined;
      const data = await api.layer(name, filter);
      const features = data.features.map((f) => ({ type: f.type, geometry: f.geometry, properties: f.properties }));
      (map.getSource(source) as GeoJSONSource).setData({ type: 'FeatureCollection', features } as never);
      return data;
    };
    const basemap = (list.layers ?? []).filter((l) => l.role === 'LAYER_ROLE_BASEMAP').map((l) => l.name);
    const [districts] = await Promise.all([
      load(jurisdiction, 'districts'),
      ...basemap.map((name) => load(name, 'rivers', { kind: 'river' })),
      ...(list.layers ?? []).filter((l) => l.role === 'LAYER_ROLE_RESOURCE').map((l) => load(l.name, 'teams', { kind: 'rescue_team' })),
      ...(list.layers ?? []).filter((l) => l.role === 'LAYER_ROLE_SENSOR').map((l) => load(l.name, 'towers', { kind: 'fire_tower_camera' })),
    ]);
    this.districts = districts;
  }

  /** Sets the feature state of the districts whose shading changed (each one repaints the map). */
  private shadeDistricts(store: LiveStore, shown: Map<string, number>): Map<string, number> {
    const map = this.map;
    if (!map) return shown;
    const next = districtSeverity(store.incidents.values());
    for (const [adcode] of shown) {
      if (!next.has(adcode)) map.setFeatureState({ source: 'districts', id: adcode }, { rank: 0 });
    }
    for (const [adcode, rank] of next) {
      if (shown.get(adcode) !== rank) map.setFeatureState({ source: 'districts', id: adcode }, { rank });
    }
    return next;
  }

  /**
   * New incidents (first seen in the last 30 s) blink: HTML markers whose ring a timer toggles
   * every BLINK_MS, so the blink costs no map repaint and no per-frame compositing. Only the
   * newest MAX_FLASHING blink; the same timer drops expired ones.
   */
  private refreshFlashing(): void {
    const map = this.map;
    if (!map) return;
    const now = Date.now() + this.clockOffsetMs;
    const fresh: PointFeature[] = [];
    for (const feature of this.incidentsOnMap.values()) {
      if (now - Number(feature.properties.firstSeen) < NEW_FLASH_MS) fresh.push(feature);
    }
    fresh.sort((a, b) => Number(b.properties.firstSeen) - Number(a.properties.firstSeen));
    const next = new Map(fresh.slice(0, MAX_FLASHING).map((f) => [String(f.properties.id), f]));
    for (const [id, marker] of this.flashing) {
      if (!next.has(id)) {
        marker.remove();
        this.flashing.delete(id);
      }
    }
    for (const [id, feature] of next) {
      const colour = SEVERITY_COLOURS[Number(feature.properties.rank)];
      const existing = this.flashing.get(id);
      if (existing) {
        existing.setLngLat(feature.geometry.coordinates);
        existing.getElement().style.setProperty('--pulse', colour);
        continue;
      }
      const element = document.createElement('div');
      element.className = 'incident-pulse';
      element.dataset.incidentId = id;
      element.style.setProperty('--pulse', colour);
      this.flashing.set(id, new maplibregl.Marker({ element }).setLngLat(feature.geometry.coordinates).addTo(map));
    }
    this.options.container.dataset.flashing = String(this.flashing.size);
    if (this.flashing.size > 0 && this.flashTimer === undefined) {
      let tick = 0;
      this.flashTimer = setInterval(() => {
        tick += 1;
        this.options.container.dataset.blink = String(tick % 2);
        if (tick % 2 === 0) this.refreshFlashing();
      }, BLINK_MS);
    } else if (this.flashing.size === 0 && this.flashTimer !== undefined) {
      clearInterval(this.flashTimer);
      this.flashTimer = undefined;
    }
  }

  private showLabels(features: GeoJsonFeature[]): void {
    const map = this.map;
    if (!map) return;
    for (const m of this.labelMarkers) m.remove();
    this.labelMarkers = [];
    for (const f of features) {
      const centre = Array.isArray(f.properties.center) ? (f.properties.center as number[]) : undefined;
      const bounds = centre ? undefined : featureBounds([f]);
      const at: [number, number] | undefined = centre
        ? [centre[0], centre[1]]
        : bounds
          ? [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2]
          : undefined;
      if (!at) continue;
      const label = document.createElement('div');
      label.className = 'district-label';
      label.textContent = String(f.properties.name ?? f.properties.adcode ?? '');
      this.labelMarkers.push(new maplibregl.Marker({ element: label }).setLngLat(at).addTo(map));
    }
  }
}
