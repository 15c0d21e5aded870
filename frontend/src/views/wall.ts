// 大屏 #/wall: 一屏观全域. Laid out for 1920×1080 and 3840×2160 (rem scales with the viewport);
// no interaction. Everything on it comes from the live channel, the layers from REST once.
import { SituationMap } from '../map/situationMap';
import { INCIDENT_KINDS, kindLabel } from '../model/labels';
import { gaugeAlertLevel, gaugeMargin, highestGauges, latestAlarms, summariseKpis } from '../model/situation';
import { SEVERITIES_DESCENDING, SEVERITY_COLOURS, severityColour, severityLabel, severityRank } from '../model/severity';
import { formatBeijingClock, formatDuration } from '../model/time';
import type { Gauge } from '../proto';
import { FrameScheduler, RateLimit, el } from '../ui/frame';
import { GaugeTrendChart } from '../ui/gaugeChart';
import { KeyedList } from '../ui/keyedList';
import type { ViewContext, View } from './context';
import { mapLegend } from './legend';

const ALARM_ROWS = 40;
const GAUGE_ROWS = 6;
/** Panels (alarms, KPIs, gauges) are redrawn at most this often under load (~4 Hz)... */
const PANEL_INTERVAL_MS = 250;
/** ...and the ECharts trend at most once a second. */
const CHART_INTERVAL_MS = 1000;

export function mountWall(root: HTMLElement, ctx: ViewContext): View {
  const { store, connection, status } = ctx;
  const districtNames = new Map<string, string>();
  const districtCount = el('span', { class: 'scope' });

  const kpiTotal = el('div', { class: 'kpi-total', 'data-kpi': 'open-total' }, '—');
  const kpiTable = el('table', { class: 'kpi-table' });
  const kpiTasks = el('div', { class: 'kpi-grid' });
  const kpiDistricts = el('ol', { class: 'district-rank' });
  const alarmList = el('ol', { class: 'alarm-list', id: 'alarm-list' });
  const gaugeList = el('ol', { class: 'gauge-list' });
  const chartBox = el('div', { class: 'gauge-chart' });
  const mapBox = el('div', { class: 'map', id: 'wall-map' });

  root.replaceChildren(
    el(
      'div',
      { class: 'wall' },
      el(
        'header',
        { class: 'wall-header' },
        el('div', { class: 'brand' }, el('span', { class: 'brand-mark' }, '全域'), '应急指挥 · 一屏观全域'),
        districtCount,
        el('div', { class: 'header-right' }, status.badge, status.clock),
      ),
      status.banner,
      el(
        'aside',
        { class: 'wall-left' },
        el('section', { class: 'panel' }, el('h2', {}, '在办事件'), kpiTotal, kpiTable),
        el('section', { class: 'panel' }, el('h2', {}, '任务与时效'), kpiTasks),
        el('section', { class: 'panel panel-grow' }, el('h2', {}, '区县在办事件'), kpiDistricts),
      ),
      el('main', { class: 'wall-map' }, mapBox, mapLegend()),
      el(
        'aside',
        { class: 'wall-right' },
        el('section', { class: 'panel panel-grow' }, el('h2', {}, '最新警情'), alarmList),
        el('section', { class: 'panel' }, el('h2', {}, '重点水位站'), gaugeList),
        el('section', { class: 'panel panel-chart' }, el('h2', {}, '水位趋势（最高水位站）'), chartBox),
      ),
    ),
  );

  const map = new SituationMap({ container: mapBox, api: ctx.api, config: ctx.config, interactive: false });
  void map.frameDistricts(undefined);
  const chart = new GaugeTrendChart(chartBox);

  void map.whenReady().then(() => {
    const features = map.districtFeatures();
    for (const f of features) districtNames.set(String(f.properties.adcode), String(f.properties.name));
    districtCount.textContent = `重庆市 · ${features.length} 个区县`;
    dirty.kpis = true;
    frame.request();
  });

  const alarms = new KeyedList<{ key: string; revision: string; at: number; summary: string; title: string; rank: number; id: string }>(
    alarmList,
    (a) =>
      el(
        'li',
        { class: `alarm sev-${a.rank}`, 'data-incident-id': a.id },
        el('span', { class: 'alarm-time' }, formatBeijingClock(a.at)),
        el('span', { class: 'alarm-sev', style: `background:${SEVERITY_COLOURS[a.rank]}` }),
        el('span', { class: 'alarm-title' }, a.title),
        el('span', { class: 'alarm-summary' }, a.summary),
        el('span', { class: 'alarm-id' }, a.id),
      ),
    'row-new',
  );

  const dirty = { incidents: true, kpis: true, gauges: true, chart: true };

  function renderKpis(): void {
    const summary = summariseKpis(store.kpis);
    kpiTotal.textContent = String(summary.total);
    const head = el('tr', {}, el('th', {}, ''), ...SEVERITIES_DESCENDING.map((s) => el('th', { style: `color:${severityColour(s)}` }, severityLabel(s))), el('th', {}, '合计'));
    const rows = INCIDENT_KINDS.map((k) =>
      el(
        'tr',
        { 'data-kind': k },
        el('th', {}, kindLabel(k)),
        ...SEVERITIES_DESCENDING.map((s) => {
          const n = summary.byKindSeverity.get(`${k}|${s}`) ?? 0;
          return el('td', { class: n > 0 ? `count sev-${severityRank(s)}` : 'count zero' }, String(n));
        }),
        el('td', { class: 'count total' }, String(summary.byKind.get(k) ?? 0)),
      ),
    );
    kpiTable.replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
    const k = store.kpis;
    const cell = (label: string, value: string, alarm = false, key = '') =>
      el('div', { class: `kpi${alarm ? ' kpi-alarm' : ''}`, 'data-kpi': key }, el('div', { class: 'kpi-value' }, value), el('div', { class: 'kpi-label' }, label));
    kpiTasks.replaceChildren(
      cell('在办任务', String(k?.openTasks ?? 0), false, 'open-tasks'),
      cell('超时任务', String(k?.overdueTasks ?? 0), (k?.overdueTasks ?? 0) > 0, 'overdue-tasks'),
      cell('水位超警站', String(k?.gaugesAboveWarning ?? 0), (k?.gaugesAboveWarning ?? 0) > 0, 'gauges-above'),
      cell('平均确认时长', formatDuration(k?.meanTimeToAcknowledgeS), false, 'mtta'),
      cell('平均核查时长', formatDuration(k?.meanTimeToVerifyS), false, 'mttv'),
      cell('统计时间', formatBeijingClock(k?.asOf), false, 'as-of'),
    );
    // Nine rows fit under the four kinds of the KPI table at 1080p (and, scaled, at 4K).
    const ranked = [...summary.byDistrict.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 9);
    const max = ranked[0]?.[1] ?? 1;
    kpiDistricts.replaceChildren(
      ...ranked.map(([adcode, n]) =>
        el(
          'li',
          { 'data-adcode': adcode },
          el('span', { class: 'rank-name' }, districtNames.get(adcode) ?? adcode),
          el('span', { class: 'rank-bar' }, el('i', { style: `width:${(100 * n) / max}%` })),
          el('span', { class: 'rank-count' }, String(n)),
        ),
      ),
    );
  }

  function renderGauges(): void {
    const top = highestGauges(store.gauges.values(), GAUGE_ROWS);
    gaugeList.replaceChildren(...(top.length > 0 ? top.map(gaugeRow) : [el('li', { class: 'empty-note' }, '暂无水位站读数')]));
    gaugeList.dataset.gauges = String(top.length);
  }

  function render(): void {
    map.flush(store, connection.snapshot().clockOffsetMs, () => frame.request());
    if (dirty.chart && chartRate.take()) {
      dirty.chart = false;
      chart.render(store.gauges.values());
    }
    if (!(dirty.incidents || dirty.kpis || dirty.gauges) || !panelRate.take()) return;
    if (dirty.incidents) {
      dirty.incidents = false;
      alarms.render(
        latestAlarms(store.incidents.values(), ALARM_ROWS).map((a) => ({
          key: a.incidentId,
          revision: `${a.incident.version ?? ''}|${a.at}`,
          at: a.at,
          summary: a.summary,
          title: a.incident.title ?? a.incidentId,
          rank: severityRank(a.incident.severity),
          id: a.incidentId,
        })),
      );
      alarmList.dataset.seq = String(store.seq);
    }
    if (dirty.kpis) {
      dirty.kpis = false;
      renderKpis();
    }
    if (dirty.gauges) {
      dirty.gauges = false;
      renderGauges();
    }
  }

  const frame = new FrameScheduler(render);
  const panelRate = new RateLimit(PANEL_INTERVAL_MS, () => frame.request());
  const chartRate = new RateLimit(CHART_INTERVAL_MS, () => frame.request());
  const unsubscribe = store.subscribe((change) => {
    map.note(change);
    if (change.reset || change.incidents.length > 0 || change.removed.length > 0) dirty.incidents = true;
    if (change.kpis) dirty.kpis = true;
    if (change.gauges) {
      dirty.gauges = true;
      dirty.chart = true;
    }
    frame.request();
  });
  status.start();
  connection.start();

  return {
    destroy() {
      unsubscribe();
      frame.cancel();
      panelRate.cancel();
      chartRate.cancel();
      connection.stop();
      status.stop();
      chart.destroy();
      map.destroy();
    },
  };
}

function gaugeRow(g: Gauge): HTMLElement {
  const margin = gaugeMargin(g) ?? 0;
  const level = gaugeAlertLevel(g);
  const rise = g.riseRateMPerH ?? 0;
  return el(
    'li',
    { class: `gauge-row gauge-level-${level}`, 'data-gauge-id': g.gaugeId },
    el('span', { class: 'gauge-name' }, g.name ?? g.gaugeId),
    el('span', { class: 'gauge-value' }, `${(g.levelM ?? 0).toFixed(2)} m`),
    el('span', { class: 'gauge-margin' }, `${margin >= 0 ? '超警 +' : '距警 '}${margin.toFixed(2)} m`),
    el('span', { class: 'gauge-rise' }, `${rise >= 0 ? '↑' : '↓'}${Math.abs(rise).toFixed(2)} m/h`),
  );
}
