// 值班台 #/console and 分中心 #/subcentre: the incident list, the selected incident's detail with
// its commands, and the task board. Every command goes over the live channel, matched to its
// result by correlation id; the server limits a sub-centre token to its districts.
import { describeError } from '../live/commands';
import { SituationMap } from '../map/situationMap';
import {
  INCIDENT_KINDS,
  INCIDENT_STATUSES,
  TASK_STATES,
  isOpen,
  isTaskActive,
  kindLabel,
  nextTaskState,
  resourceKindLabel,
  statusLabel,
  taskKindLabel,
  taskStateLabel,
  transitionLabel,
} from '../model/labels';
import { compareIncidents, summariseKpis } from '../model/situation';
import { SEVERITIES_DESCENDING, SEVERITY_COLOURS, severityColour, severityLabel, severityRank } from '../model/severity';
import { formatBeijing, formatBeijingClock, formatDistance, formatDuration, toMillis } from '../model/time';
import type { CommandAction, Incident, Task, TaskState } from '../proto';
import { FrameScheduler, RateLimit, el } from '../ui/frame';
import { KeyedList } from '../ui/keyedList';
import { toast } from '../ui/toast';
import type { View, ViewContext } from './context';
import { mapLegend } from './legend';

const MAX_ROWS = 200;
/** The list, board and KPIs are redrawn at most this often under load (~4 Hz); the detail at once. */
const PANEL_INTERVAL_MS = 250;
const DONE_CARDS = 20;

const ADVANCE_LABELS: Partial<Record<TaskState, string>> = {
  TASK_STATE_ACCEPTED: '接收',
  TASK_STATE_EN_ROUTE: '出发',
  TASK_STATE_ON_SCENE: '到场',
  TASK_STATE_DONE: '完成',
};

export interface ConsoleOptions {
  /** 分中心: frame the map on the districts the token is shown, label only those. */
  subcentre: boolean;
}

function option(value: string, label: string): HTMLOptionElement {
  return el('option', { value }, label);
}

export function mountConsole(root: HTMLElement, ctx: ViewContext, options: ConsoleOptions): View {
  const { store, connection, status, api, session } = ctx;
  const districtNames = new Map<string, string>();
  const mayCommand = session.mayCommand;
  /** The token's own districts (GET /api/v1/session); empty = the whole jurisdiction. */
  const scope = new Set(session.districts);

  const statusFilter = el('select', { id: 'filter-status', 'aria-label': '状态' }, option('open', '在办（新发/已确认/已派发）'), option('all', '全部状态'), ...INCIDENT_STATUSES.map((s) => option(s, statusLabel(s))));
  const kindFilter = el('select', { id: 'filter-kind', 'aria-label': '类型' }, option('all', '全部类型'), ...INCIDENT_KINDS.map((k) => option(k, kindLabel(k))));
  const listCount = el('div', { class: 'list-count' });
  const list = el('ol', { class: 'incident-list', id: 'incident-list' });
  const detail = el('div', { class: 'detail', id: 'incident-detail' });
  const board = el('div', { class: 'task-board', id: 'task-board' });
  const kpiStrip = el('div', { class: 'kpi-strip', id: 'kpi-strip' });
  const scopeLine = el('span', { class: 'scope', id: 'scope' });
  const mapBox = el('div', { class: 'map', id: 'console-map' });

  root.replaceChildren(
    el(
      'div',
      { class: `console${options.subcentre ? ' subcentre' : ''}` },
      el(
        'header',
        { class: 'console-header' },
        el('div', { class: 'brand' }, el('span', { class: 'brand-mark' }, '全域'), options.subcentre ? '分中心' : '值班台'),
        scopeLine,
        kpiStrip,
        el('div', { class: 'header-right' }, status.badge, status.clock),
      ),
      status.banner,
      el('section', { class: 'console-list panel' }, el('div', { class: 'filters' }, statusFilter, kindFilter), listCount, list),
      el('section', { class: 'console-map' }, mapBox, mapLegend()),
      el('section', { class: 'console-detail panel' }, detail),
      el('section', { class: 'console-board panel' }, el('h2', {}, '任务看板'), board),
    ),
  );

  let selectedId = '';
  let fetched: Incident | undefined;
  let fetching = false;
  const dirty = { list: true, detail: true, board: true, kpis: true };

  const map = new SituationMap({
    container: mapBox,
    api,
    config: ctx.config,
    interactive: true,
    onSelect: (id) => select(id),
  });
  void map.whenReady().then(() => {
    for (const f of map.districtFeatures()) districtNames.set(String(f.properties.adcode), String(f.properties.name));
    dirty.kpis = true;
    frame.request();
  });
  // 分中心: framed on the token's districts from the start (whole region when it has none).
  void map.frameDistricts(options.subcentre && scope.size > 0 ? scope : undefined);

  const rows = new KeyedList<{ key: string; revision: string; incident: Incident }>(list, ({ incident }) => {
    const rank = severityRank(incident.severity);
    const row = el(
      'li',
      { class: `incident-row sev-${rank}${incident.id === selectedId ? ' selected' : ''}`, 'data-incident-id': incident.id, 'data-status': incident.status ?? '', tabindex: '0' },
      el('span', { class: 'row-sev', style: `background:${SEVERITY_COLOURS[rank]}` }),
      el(
        'span',
        { class: 'row-main' },
        el('span', { class: 'row-title' }, incident.title ?? incident.id),
        el('span', { class: 'row-meta' }, `${incident.id} · ${kindLabel(incident.kind)} · ${severityLabel(incident.severity)} · ${incident.district?.name || '辖区外'}`),
      ),
      el('span', { class: 'row-side' }, el('span', { class: `row-status status-${(incident.status ?? '').slice(16).toLowerCase()}` }, statusLabel(incident.status)), el('span', { class: 'row-time' }, formatBeijingClock(incident.lastSeen))),
    );
    row.addEventListener('click', () => select(incident.id));
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') select(incident.id);
    });
    return row;
  });

  statusFilter.addEventListener('change', () => markList());
  kindFilter.addEventListener('change', () => markList());

  function markList(): void {
    dirty.list = true;
    frame.request();
  }

  function select(id: string): void {
    if (id === selectedId) return;
    selectedId = id;
    fetched = undefined;
    map.select(id);
    const incident = store.incidents.get(id);
    if (incident?.position?.lon !== undefined && incident.position.lat !== undefined) map.flyTo(incident.position.lon, incident.position.lat);
    void refreshDetail();
    dirty.list = true;
    dirty.detail = true;
    frame.request();
  }

  /** Fetches the selected incident's full record; again when the live picture has a newer version. */
  async function refreshDetail(): Promise<void> {
    if (fetching || !selectedId) return;
    const id = selectedId;
    fetching = true;
    try {
      const incident = await api.incident(id);
      if (id === selectedId) fetched = incident;
    } catch (error) {
      if (id === selectedId) fetched = undefined;
      console.warn('incident detail', id, error);
    } finally {
      fetching = false;
    }
    dirty.detail = true;
    frame.request();
    const live = store.incidents.get(selectedId);
    if (live && fetched && Number(live.version ?? 0) > Number(fetched.version ?? 0)) void refreshDetail();
    else if (selectedId !== id) void refreshDetail();
  }

  async function run(button: HTMLButtonElement, label: string, action: CommandAction): Promise<void> {
    button.disabled = true;
    const outcome = await connection.commands.issue(action);
    button.disabled = false;
    if (outcome.ok) {
      const target = outcome.taskId ? `${outcome.incidentId ?? ''} → ${outcome.taskId}` : outcome.incidentId ?? '';
      toast('ok', `${label}：已执行 ${target}`, outcome.correlationId);
    } else {
      toast('error', `${label}失败：${describeError(outcome)}`, outcome.correlationId);
    }
    dirty.detail = true;
    frame.request();
  }

  function commandButton(label: string, enabled: boolean, action: CommandAction, kind = ''): HTMLButtonElement {
    const button = el('button', { class: `cmd ${kind}`, type: 'button', 'data-command': Object.keys(action)[0] }, label);
    button.disabled = !enabled || !mayCommand;
    if (!mayCommand) button.title = '只读令牌，不能下达指令';
    button.addEventListener('click', () => void run(button, label, action));
    return button;
  }

  function renderList(): void {
    const statusValue = statusFilter.value;
    const kindValue = kindFilter.value;
    const matching: Incident[] = [];
    for (const incident of store.incidents.values()) {
      if (statusValue === 'open' ? !isOpen(incident.status) : statusValue !== 'all' && incident.status !== statusValue) continue;
      if (kindValue !== 'all' && incident.kind !== kindValue) continue;
      matching.push(incident);
    }
    matching.sort(compareIncidents);
    const shown = matching.slice(0, MAX_ROWS);
    rows.render(shown.map((incident) => ({ key: incident.id, revision: `${incident.version ?? ''}|${incident.id === selectedId}`, incident })));
    listCount.textContent = matching.length > MAX_ROWS ? `共 ${matching.length} 起，按级别与时间显示前 ${MAX_ROWS} 起` : `共 ${matching.length} 起`;
  }

  function renderDetail(): void {
    if (!selectedId) {
      detail.replaceChildren(el('div', { class: 'detail-empty' }, '在左侧列表或地图上选择一起事件'));
      return;
    }
    const live = store.incidents.get(selectedId);
    const incident = live ?? fetched;
    if (!incident) {
      detail.replaceChildren(el('div', { class: 'detail-empty' }, fetching ? `正在读取 ${selectedId}…` : `${selectedId} 已不在本视图中`));
      return;
    }
    const full = fetched && fetched.id === selectedId ? fetched : undefined;
    const st = incident.status;
    const id = incident.id;
    const rank = severityRank(incident.severity);
    const facts: [string, string][] = [
      ['编号', id],
      ['类型', kindLabel(incident.kind)],
      ['级别', severityLabel(incident.severity)],
      ['状态', statusLabel(st)],
      ['区县', incident.district?.name || '辖区外'],
      ['置信度', incident.confidence !== undefined ? incident.confidence.toFixed(2) : '—'],
      ['首次发现', formatBeijing(incident.firstSeen)],
      ['最近更新', formatBeijing(incident.lastSeen)],
      ['证据数', String(incident.evidenceCount ?? incident.evidence?.length ?? 0)],
    ];
    if (incident.deviceId) facts.push(['设备', incident.deviceId]);
    if (incident.kind === 'INCIDENT_KIND_FLOOD') {
      facts.push(['峰值水位', incident.peakLevelM !== undefined ? `${incident.peakLevelM.toFixed(2)} m` : '—']);
      facts.push(['涨率', `${(incident.riseRateMPerH ?? 0).toFixed(2)} m/h`]);
    }
    const tasks = store.tasksOf(id);
    const evidence = [...(full?.evidence ?? incident.evidence ?? [])].sort((a, b) => (toMillis(b.observedAt) ?? 0) - (toMillis(a.observedAt) ?? 0));
    detail.replaceChildren(
      el('div', { class: 'detail-head', style: `border-color:${SEVERITY_COLOURS[rank]}` }, el('h2', {}, incident.title ?? id), el('span', { class: 'chip', style: `background:${severityColour(incident.severity)}` }, severityLabel(incident.severity))),
      el(
        'div',
        { class: 'commands' },
        commandButton('确认', st === 'INCIDENT_STATUS_NEW', { acknowledge: { incidentId: id } }),
        commandButton('一键派发核查任务', isOpen(st), { dispatch: { incidentId: id, kind: 'TASK_KIND_VERIFY', resourceId: '' } }, 'primary'),
        commandButton('销号', st === 'INCIDENT_STATUS_ACKNOWLEDGED' || st === 'INCIDENT_STATUS_DISPATCHED' || st === 'INCIDENT_STATUS_RESOLVED', { close: { incidentId: id } }),
        commandButton('误报', isOpen(st), { falseAlarm: { incidentId: id } }, 'warn'),
      ),
      el('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
      el('h3', {}, `任务（${tasks.length}）`),
      tasks.length === 0
        ? el('div', { class: 'muted' }, '尚未派发任务')
        : el('ul', { class: 'detail-tasks' }, ...tasks.map((t) => el('li', { 'data-task-id': t.id, class: t.overdue ? 'overdue' : '' }, `${t.id} ${taskKindLabel(t.kind)} · ${t.resourceName ?? t.resourceId ?? ''} · ${taskStateLabel(t.state)}${t.overdue ? ' · 超时' : ''}`))),
      el('h3', {}, `证据时间线（${evidence.length}${incident.evidenceCount && incident.evidenceCount > evidence.length ? ` / ${incident.evidenceCount}` : ''}）`),
      el(
        'ol',
        { class: 'timeline' },
        ...evidence.map((e) =>
          el('li', {}, el('span', { class: 'tl-time' }, formatBeijing(e.observedAt)), el('span', { class: 'tl-summary' }, e.summary ?? ''), el('span', { class: 'tl-source' }, `${e.source ?? ''}${e.confidence !== undefined ? ` · 置信度 ${e.confidence.toFixed(2)}` : ''}`)),
        ),
      ),
      el('h3', {}, '附近资源'),
      full
        ? el(
            'table',
            { class: 'nearby' },
            el('tbody', {}, ...(full.nearby ?? []).map((r) => el('tr', {}, el('td', {}, r.name ?? r.resourceId ?? ''), el('td', {}, resourceKindLabel(r.kind)), el('td', { class: 'num' }, formatDistance(r.distanceM))))),
          )
        : el('div', { class: 'muted' }, fetching ? '正在读取…' : '暂无'),
      el('h3', {}, '处置记录'),
      el('ol', { class: 'history' }, ...(full?.history ?? []).map((h) => el('li', {}, `${formatBeijing(h.at)} ${transitionLabel(h.from)} → ${transitionLabel(h.to)} · ${h.by ?? ''}${h.note ? ` · ${h.note}` : ''}`))),
    );
  }

  function taskCard(task: Task): HTMLElement {
    const incident = task.incidentId ? store.incidents.get(task.incidentId) : undefined;
    const next = nextTaskState(task.state);
    const card = el(
      'div',
      { class: `task-card${task.overdue ? ' overdue' : ''}`, 'data-task-id': task.id, 'data-state': task.state ?? '' },
      el('div', { class: 'task-top' }, el('span', { class: 'task-id' }, `${task.id} · ${taskKindLabel(task.kind)}`), task.overdue ? el('span', { class: 'overdue-mark' }, '超时') : ''),
      el('div', { class: 'task-incident' }, incident?.title ?? task.incidentId ?? ''),
      el('div', { class: 'task-team' }, task.resourceName ?? task.resourceId ?? ''),
      el('div', { class: 'task-due' }, `时限 ${formatBeijingClock(task.dueAt)}`),
    );
    card.addEventListener('click', (e) => {
      if ((e.target as HTMLElement).tagName !== 'BUTTON' && task.incidentId) select(task.incidentId);
    });
    if (next && isTaskActive(task.state)) {
      const button = commandButton(ADVANCE_LABELS[next] ?? taskStateLabel(next), true, { updateTask: { taskId: task.id, state: next } }, 'small');
      card.append(button);
    }
    return card;
  }

  function renderBoard(): void {
    const byState = new Map<TaskState, Task[]>();
    for (const task of store.tasks.values()) {
      const state = task.state ?? 'TASK_STATE_UNSPECIFIED';
      const column = byState.get(state) ?? [];
      column.push(task);
      byState.set(state, column);
    }
    board.replaceChildren(
      ...TASK_STATES.map((state) => {
        let tasks = byState.get(state) ?? [];
        if (state === 'TASK_STATE_DONE') {
          tasks = tasks.sort((a, b) => Number(b.version ?? 0) - Number(a.version ?? 0)).slice(0, DONE_CARDS);
        } else {
          tasks = tasks.sort((a, b) => Number(b.overdue ?? false) - Number(a.overdue ?? false) || (toMillis(a.dueAt) ?? 0) - (toMillis(b.dueAt) ?? 0));
        }
        const total = byState.get(state)?.length ?? 0;
        const overdue = tasks.filter((t) => t.overdue).length;
        return el(
          'div',
          { class: 'task-column', 'data-state': state },
          el('h3', {}, `${taskStateLabel(state)} ${total}`, overdue > 0 ? el('span', { class: 'overdue-mark' }, `超时 ${overdue}`) : ''),
          el('div', { class: 'task-cards' }, ...tasks.map(taskCard)),
        );
      }),
    );
  }

  function renderKpis(): void {
    const summary = summariseKpis(store.kpis);
    const k = store.kpis;
    const item = (label: string, value: string, cls = '') => el('span', { class: `strip-item ${cls}` }, el('b', {}, value), label);
    const districts = [...summary.byDistrict.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6);
    kpiStrip.replaceChildren(
      item('在办', String(summary.total)),
      ...SEVERITIES_DESCENDING.map((s) => item(severityLabel(s), String(summary.bySeverity.get(s) ?? 0), `sev-${severityRank(s)}`)),
      item('在办任务', String(k?.openTasks ?? 0)),
      item('超时', String(k?.overdueTasks ?? 0), (k?.overdueTasks ?? 0) > 0 ? 'alarm' : ''),
      item('平均确认', formatDuration(k?.meanTimeToAcknowledgeS)),
      ...(options.subcentre ? districts.map(([adcode, n]) => item(districtNames.get(adcode) ?? adcode, String(n), 'district')) : []),
    );
    const names = [...scope].sort().map((a) => districtNames.get(a) ?? a);
    scopeLine.textContent = names.length > 0 ? `辖区：${names.join('、')}` : '全市';
    scopeLine.dataset.districts = [...scope].sort().join(',');
  }

  function render(): void {
    map.flush(store, connection.snapshot().clockOffsetMs, () => frame.request());
    if (dirty.detail) {
      dirty.detail = false;
      renderDetail();
    }
    if (!(dirty.list || dirty.board || dirty.kpis) || !panelRate.take()) return;
    if (dirty.list) {
      dirty.list = false;
      renderList();
    }
    if (dirty.board) {
      dirty.board = false;
      renderBoard();
    }
    if (dirty.kpis) {
      dirty.kpis = false;
      renderKpis();
    }
  }

  const frame = new FrameScheduler(render);
  const panelRate = new RateLimit(PANEL_INTERVAL_MS, () => frame.request());
  const unsubscribe = store.subscribe((change) => {
    map.note(change);
    const touchesList = change.reset || change.incidents.length > 0 || change.removed.length > 0;
    if (touchesList) dirty.list = true;
    if (change.tasks || change.reset) dirty.board = true;
    if (change.kpis) dirty.kpis = true;
    if (selectedId && (change.reset || change.incidents.includes(selectedId) || change.removed.includes(selectedId) || change.tasks)) {
      dirty.detail = true;
      const live = store.incidents.get(selectedId);
      if (live && Number(live.version ?? 0) > Number(fetched?.version ?? 0)) void refreshDetail();
    }
    frame.request();
  });
  status.start();
  connection.start();
  frame.request();

  return {
    destroy() {
      unsubscribe();
      frame.cancel();
      panelRate.cancel();
      connection.stop();
      status.stop();
      map.destroy();
    },
  };
}
