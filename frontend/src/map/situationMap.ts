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
import { SEVERITY_COLOURS, severityRank } from '../model/severity';
import { toMillis } from '../model/time';
import type { Gauge, Incident } from '../proto';
import { KIND_RING_COLOURS, addIcons, kindKey } from './icons';

export const NEW_FLASH_MS = 30_000;
/**
 * Sources are updated at most once per frame and at most this often after a quiet spell, so a
 * single new incident shows at once. Each update re-tiles the source in MapLibre's worker and
 * repaints the map, which with software WebGL costs a few hundred milliseconds of CPU.
 */
const MIN_SOURCE_UPDATE_MS = 200;
/** While updates keep coming (the previous one less than BUSY_WINDOW_MS ago): at most once a second. */
const BUSY_SOURCE_UPDATE_MS = 1000;
const BUSY_WINDOW_MS = 2000;
/** At most this many new incidents pulse at once (a burst of thousands would only be noise). */
const MAX_FLASHING = 24;
/** From this zoom on incidents are drawn with their kind icons; below it as severity dots. */
export const ICON_MIN_ZOOM = 9;
/**
 * Changed incidents go to a small second source, so an update re-tiles only them (the bulk of
 * thousands is re-tiled once updates pause for HOT_MERGE_AFTER_MS, or past HOT_MAX changed ones).
 */
const HOT_MAX = 1500;
const HOT_MERGE_AFTER_MS = 5000;
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

// Features carry their id as a property only: MapLibre's tiler cannot encode string feature ids,
// so every source that needs ids (feature state, updateData) promotes the property instead.
interface PointFeature {
  type: 'Feature';
  geometry: { type: 'Point'; coordinates: [number, number] };
  properties: Record<string, string | number | boolean>;
}

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

function incidentFeature(incident: Incident): PointFeature | undefined {
  const lon = incident.position?.lon;
  const lat = incident.position?.lat;
  if (lon === undefined || lat === undefined) return undefined;
  const rank = severityRank(incident.severity);
  return {
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [lon, lat] },
    properties: {
      id: incident.id,
      icon: `incident-${kindKey(incident.kind)}-${rank}`,
      kind: kindKey(incident.kind),
      rank,
      // Server clock; refreshFlashing compares it with the estimated server time.
      firstSeen: toMillis(incident.firstSeen) ?? 0,
    },
  };
}

/** Whether two incident features would be drawn the same (position, icon, severity, first seen). */
export function sameFeature(a: PointFeature | undefined, b: PointFeature): boolean {
  if (!a) return false;
  const [ax, ay] = a.geometry.coordinates;
  const [bx, by] = b.geometry.coordinates;
  if (ax !== bx || ay !== by) return false;
  const pa = a.properties;
  const pb = b.properties;
  return pa.icon === pb.icon && pa.rank === pb.rank && pa.kind === pb.kind && pa.firstSeen === pb.firstSeen;
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
  /** Every incident drawn, by id: the bulk source's features, except the newer ones in `hot`. */
  private incidentsOnMap = new Map<string, PointFeature>();
  /** Ids in the bulk source ('incidents') as last set. */
  private bulkIds = new Set<string>();
  /** Bulk features hidden by feature state because `hot` has their newer version (or they left). */
  private hidden = new Set<string>();
  /** Incidents changed since the last bulk rebuild, drawn from the small 'incidents-hot' source. */
  private hot = new Map<string, PointFeature>();
  private lastHotChange = 0;
  private mergeTimer: ReturnType<typeof setTimeout> | undefined;
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
   * Draws what changed since the last flush: at most one setData/updateData per source. When
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
    if (!this.pendingReset && this.pendingIncidents.size === 0 && !this.pendingGauges && !(this.hot.size > 0 && now - this.lastHotChange >= HOT_MERGE_AFTER_MS)) return;
    let incidentsChanged = false;
    const merge = this.hot.size > HOT_MAX || (this.hot.size > 0 && now - this.lastHotChange >= HOT_MERGE_AFTER_MS);
    if (this.pendingReset) {
      this.incidentsOnMap.clear();
      for (const incident of store.incidents.values()) {
        if (!isOpen(incident.status)) continue;
        const feature = incidentFeature(incident);
        if (feature) this.incidentsOnMap.set(incident.id, feature);
      }
      this.rebuildBulk(map);
      incidentsChanged = true;
    } else if (this.pendingIncidents.size > 0) {
      let hotChanged = false;
      for (const id of this.pendingIncidents) {
        const incident = store.incidents.get(id);
        const feature = incident && isOpen(incident.status) ? incidentFeature(incident) : undefined;
        if (feature) {
          // Only what the map shows counts: new evidence for a fire already drawn changes nothing.
          if (sameFeature(this.incidentsOnMap.get(id), feature)) continue;
          this.incidentsOnMap.set(id, feature);
          this.hot.set(id, feature);
        } else if (this.incidentsOnMap.delete(id)) {
          this.hot.delete(id);
        } else {
          continue;
        }
        hotChanged = true;
        // The bulk source keeps its (now outdated) copy, hidden by feature state: no re-tiling.
        if (this.bulkIds.has(id) && !this.hidden.has(id)) {
          this.hidden.add(id);
          map.setFeatureState({ source: 'incidents', id }, { hidden: true });
        }
      }
      if (hotChanged) {
        this.lastHotChange = now;
        if (this.hot.size > HOT_MAX) this.rebuildBulk(map);
        else (map.getSource('incidents-hot') as GeoJSONSource).setData({ type: 'FeatureCollection', features: [...this.hot.values()] });
        incidentsChanged = true;
      }
    } else if (merge) {
      this.rebuildBulk(map);
      incidentsChanged = true;
    }
    if (this.hot.size > 0) this.scheduleMerge(requestFrame);
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
    this.map.setFilter('incident-selected', ['==', ['get', 'id'], incidentId]);
    this.map.setFilter('incident-selected-hot', ['==', ['get', 'id'], incidentId]);
  }

  /**
   * Puts every drawn incident into the bulk source (one re-tiling of thousands of points) and
   * empties the hot one: on a snapshot, when the hot set grows past HOT_MAX, or once updates
   * have paused for HOT_MERGE_AFTER_MS.
   */
  private rebuildBulk(map: MapLibreMap): void {
    (map.getSource('incidents') as GeoJSONSource).setData({ type: 'FeatureCollection', features: [...this.incidentsOnMap.values()] });
    (map.getSource('incidents-hot') as GeoJSONSource).setData(emptyCollection() as never);
    if (this.hidden.size > 0) map.removeFeatureState({ source: 'incidents' });
    this.bulkIds = new Set(this.incidentsOnMap.keys());
    this.hidden.clear();
    this.hot.clear();
  }

  private scheduleMerge(requestFrame: () => void): void {
    clearTimeout(this.mergeTimer);
    this.mergeTimer = setTimeout(() => {
      this.mergeTimer = undefined;
      requestFrame();
    }, HOT_MERGE_AFTER_MS + 50);
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
    clearTimeout(this.mergeTimer);
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
    map.addSource('incidents', { type: 'geojson', data: emptyCollection(), promoteId: 'id' });
    map.addSource('incidents-hot', { type: 'geojson', data: emptyCollection(), promoteId: 'id' });
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
    // Thousands of incidents: circles (no symbol placement, cheap to draw), filled in the
    // severity colour and ringed in the kind colour, higher severities on top. Zoomed in, where
    // few are in view, the kind icons are drawn over them.
    const kindRing: unknown[] = ['match', ['get', 'kind']];
    for (const [kind, colour] of Object.entries(KIND_RING_COLOURS)) kindRing.push(kind, colour);
    kindRing.push('#ffffff');
    const visible = ['case', ['boolean', ['feature-state', 'hidden'], false], 0, 1];
    for (const [source, suffix] of [['incidents', ''], ['incidents-hot', '-hot']]) {
      map.addLayer({
        id: `incidents${suffix}`,
        type: 'circle',
        source,
        paint: {
          'circle-color': ['match', ['get', 'rank'], 1, SEVERITY_COLOURS[1], 2, SEVERITY_COLOURS[2], 3, SEVERITY_COLOURS[3], 4, SEVERITY_COLOURS[4], '#8fa3bf'],
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 6, 3.5, 9, 6, 12, 9],
          'circle-stroke-color': kindRing,
          'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 6, 1.2, 9, 2],
          'circle-opacity': visible,
          'circle-stroke-opacity': visible,
        } as never,
        layout: { 'circle-sort-key': ['get', 'rank'] },
      });
    }
    for (const [source, suffix] of [['incidents', ''], ['incidents-hot', '-hot']]) {
      map.addLayer({
        id: `incident-icons${suffix}`,
        type: 'symbol',
        source,
        minzoom: ICON_MIN_ZOOM,
        layout: {
          'icon-image': ['get', 'icon'],
          'icon-size': ['interpolate', ['linear'], ['zoom'], ICON_MIN_ZOOM, 1, 12, 1.3],
          'icon-allow-overlap': true,
          'icon-ignore-placement': true,
          'symbol-sort-key': ['get', 'rank'],
        },
        paint: { 'icon-opacity': visible as never },
      });
    }
    for (const [source, suffix] of [['incidents', ''], ['incidents-hot', '-hot']]) {
      map.addLayer({
        id: `incident-selected${suffix}`,
        type: 'circle',
        source,
        filter: ['==', ['get', 'id'], this.selected],
        paint: { 'circle-color': 'rgba(0,0,0,0)', 'circle-radius': 16, 'circle-stroke-width': 3, 'circle-stroke-color': '#ffffff', 'circle-stroke-opacity': visible as never },
      });
    }
    if (this.options.onSelect) {
      const onSelect = this.options.onSelect;
      for (const layer of ['incidents', 'incidents-hot', 'incident-icons', 'incident-icons-hot']) {
        map.on('click', layer, (e) => {
          const id = e.features?.[0]?.properties?.id;
          if (typeof id === 'string') onSelect(id);
        });
        map.on('mouseenter', layer, () => (map.getCanvas().style.cursor = 'pointer'));
        map.on('mouseleave', layer, () => (map.getCanvas().style.cursor = ''));
      }
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
