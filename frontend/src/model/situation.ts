// Pure figures derived from the live picture: district shading, KPI sums, orderings.
import type { Gauge, Incident, IncidentKind, Kpis, Severity } from '../proto';
import { isOpen } from './labels';
import { severityRank } from './severity';
import { toMillis } from './time';

/** Highest severity rank (1–4) of the OPEN incidents per district adcode; districts without any are absent. */
export function districtSeverity(incidents: Iterable<Incident>): Map<string, number> {
  const out = new Map<string, number>();
  for (const incident of incidents) {
    const adcode = incident.district?.adcode;
    if (!adcode || !isOpen(incident.status)) continue;
    const rank = severityRank(incident.severity);
    if (rank > (out.get(adcode) ?? 0)) out.set(adcode, rank);
  }
  return out;
}

export interface KpiSummary {
  total: number;
  byKind: Map<IncidentKind, number>;
  bySeverity: Map<Severity, number>;
  /** count per `${kind}|${severity}` */
  byKindSeverity: Map<string, number>;
  byDistrict: Map<string, number>;
}

export function summariseKpis(kpis: Kpis | undefined): KpiSummary {
  const summary: KpiSummary = {
    total: 0,
    byKind: new Map(),
    bySeverity: new Map(),
    byKindSeverity: new Map(),
    byDistrict: new Map(),
  };
  for (const c of kpis?.openIncidents ?? []) {
    const n = c.count ?? 0;
    const kind = c.kind ?? 'INCIDENT_KIND_UNSPECIFIED';
    const severity = c.severity ?? 'SEVERITY_UNSPECIFIED';
    summary.total += n;
    summary.byKind.set(kind, (summary.byKind.get(kind) ?? 0) + n);
    summary.bySeverity.set(severity, (summary.bySeverity.get(severity) ?? 0) + n);
    const key = `${kind}|${severity}`;
    summary.byKindSeverity.set(key, (summary.byKindSeverity.get(key) ?? 0) + n);
    if (c.adcode) summary.byDistrict.set(c.adcode, (summary.byDistrict.get(c.adcode) ?? 0) + n);
  }
  return summary;
}

/** Severity first (red on top), then the latest activity first, then id for a stable order. */
export function compareIncidents(a: Incident, b: Incident): number {
  const bySeverity = severityRank(b.severity) - severityRank(a.severity);
  if (bySeverity !== 0) return bySeverity;
  const byTime = (toMillis(b.lastSeen) ?? 0) - (toMillis(a.lastSeen) ?? 0);
  if (byTime !== 0) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface Alarm {
  incidentId: string;
  incident: Incident;
  at: number;
  summary: string;
  source: string;
}

/** The latest evidence entry of each incident, newest first, at most `limit`. */
export function latestAlarms(incidents: Iterable<Incident>, limit: number): Alarm[] {
  const alarms: Alarm[] = [];
  for (const incident of incidents) {
    const evidence = incident.evidence ?? [];
    let latest = evidence[0];
    for (const e of evidence) {
      if ((toMillis(e.observedAt) ?? 0) > (toMillis(latest?.observedAt) ?? 0)) latest = e;
    }
    const at = toMillis(latest?.observedAt) ?? toMillis(incident.lastSeen);
    if (at === undefined) continue;
    alarms.push({ incidentId: incident.id, incident, at, summary: latest?.summary ?? '', source: latest?.source ?? '' });
  }
  alarms.sort((a, b) => b.at - a.at || (a.incidentId < b.incidentId ? -1 : 1));
  return alarms.slice(0, limit);
}

/** Level above (positive) or below the warning level, in metres; undefined without both. */
export function gaugeMargin(gauge: Gauge): number | undefined {
  if (gauge.levelM === undefined || !gauge.warningLevelM) return undefined;
  return gauge.levelM - gauge.warningLevelM;
}

/** 0 normal, 1 within 0.5 m of warning, 2 at or above warning, 3 at or above guarantee. */
export function gaugeAlertLevel(gauge: Gauge): number {
  const level = gauge.levelM ?? 0;
  if (gauge.guaranteeLevelM && level >= gauge.guaranteeLevelM) return 3;
  const margin = gaugeMargin(gauge);
  if (margin === undefined) return 0;
  if (margin >= 0) return 2;
  return margin >= -0.5 ? 1 : 0;
}

/** The gauges closest to (or furthest above) their warning level, highest first. */
export function highestGauges(gauges: Iterable<Gauge>, limit: number): Gauge[] {
  return [...gauges]
    .filter((g) => gaugeMargin(g) !== undefined)
    .sort((a, b) => (gaugeMargin(b) ?? 0) - (gaugeMargin(a) ?? 0) || (a.gaugeId < b.gaugeId ? -1 : 1))
    .slice(0, limit);
}
