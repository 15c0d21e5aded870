import type { IncidentKind, IncidentStatus, TaskKind, TaskState } from '../proto';

const KIND_LABELS: Record<IncidentKind, string> = {
  INCIDENT_KIND_UNSPECIFIED: '其他',
  INCIDENT_KIND_FIRE: '火情',
  INCIDENT_KIND_FLOOD: '汛情',
  INCIDENT_KIND_SECURITY: '治安',
  INCIDENT_KIND_WARNING: '预警',
};

export const INCIDENT_KINDS: readonly IncidentKind[] = [
  'INCIDENT_KIND_FIRE',
  'INCIDENT_KIND_FLOOD',
  'INCIDENT_KIND_SECURITY',
  'INCIDENT_KIND_WARNING',
];

export function kindLabel(kind: IncidentKind | undefined): string {
  return KIND_LABELS[kind ?? 'INCIDENT_KIND_UNSPECIFIED'];
}

const STATUS_LABELS: Record<IncidentStatus, string> = {
  INCIDENT_STATUS_UNSPECIFIED: '未知',
  INCIDENT_STATUS_NEW: '新发',
  INCIDENT_STATUS_ACKNOWLEDGED: '已确认',
  INCIDENT_STATUS_DISPATCHED: '已派发',
  INCIDENT_STATUS_RESOLVED: '已处置',
  INCIDENT_STATUS_CLOSED: '已销号',
  INCIDENT_STATUS_FALSE_ALARM: '误报',
};

export const INCIDENT_STATUSES: readonly IncidentStatus[] = [
  'INCIDENT_STATUS_NEW',
  'INCIDENT_STATUS_ACKNOWLEDGED',
  'INCIDENT_STATUS_DISPATCHED',
  'INCIDENT_STATUS_RESOLVED',
  'INCIDENT_STATUS_CLOSED',
  'INCIDENT_STATUS_FALSE_ALARM',
];

export function statusLabel(status: IncidentStatus | undefined): string {
  return STATUS_LABELS[status ?? 'INCIDENT_STATUS_UNSPECIFIED'];
}

/** Open = new, acknowledged or dispatched (the server's `status=open`). */
export function isOpen(status: IncidentStatus | undefined): boolean {
  return status === 'INCIDENT_STATUS_NEW' || status === 'INCIDENT_STATUS_ACKNOWLEDGED' || status === 'INCIDENT_STATUS_DISPATCHED';
}

const TASK_KIND_LABELS: Record<TaskKind, string> = {
  TASK_KIND_UNSPECIFIED: '任务',
  TASK_KIND_VERIFY: '核查',
  TASK_KIND_HANDLE: '处置',
  TASK_KIND_EVACUATE: '疏散',
};

export function taskKindLabel(kind: TaskKind | undefined): string {
  return TASK_KIND_LABELS[kind ?? 'TASK_KIND_UNSPECIFIED'];
}

const TASK_STATE_LABELS: Record<TaskState, string> = {
  TASK_STATE_UNSPECIFIED: '未知',
  TASK_STATE_DISPATCHED: '已派发',
  TASK_STATE_ACCEPTED: '已接收',
  TASK_STATE_EN_ROUTE: '出发途中',
  TASK_STATE_ON_SCENE: '已到场',
  TASK_STATE_DONE: '已完成',
  TASK_STATE_CANCELLED: '已取消',
};

/** Task states in their forward order (cancelled is off the line). */
export const TASK_STATES: readonly TaskState[] = [
  'TASK_STATE_DISPATCHED',
  'TASK_STATE_ACCEPTED',
  'TASK_STATE_EN_ROUTE',
  'TASK_STATE_ON_SCENE',
  'TASK_STATE_DONE',
];

export function taskStateLabel(state: TaskState | undefined): string {
  return TASK_STATE_LABELS[state ?? 'TASK_STATE_UNSPECIFIED'];
}

export function isTaskActive(state: TaskState | undefined): boolean {
  return state !== 'TASK_STATE_DONE' && state !== 'TASK_STATE_CANCELLED';
}

/** The next state on the forward line, or undefined when the task is finished. */
export function nextTaskState(state: TaskState | undefined): TaskState | undefined {
  const at = TASK_STATES.indexOf(state ?? 'TASK_STATE_UNSPECIFIED');
  return at >= 0 && at < TASK_STATES.length - 1 ? TASK_STATES[at + 1] : undefined;
}

const RESOURCE_KIND_LABELS: Record<string, string> = {
  rescue_team: '救援队伍',
  supply_depot: '物资储备库',
  water_source: '消防水源',
  shelter: '避难场所',
};

export function resourceKindLabel(kind: string | undefined): string {
  return RESOURCE_KIND_LABELS[kind ?? ''] ?? kind ?? '';
}

/** Status/state names in transitions are lower case ("acknowledged", "en_route"). */
export function transitionLabel(name: string | undefined): string {
  if (!name) return '—';
  const upper = name.toUpperCase();
  const status = `INCIDENT_STATUS_${upper}` as IncidentStatus;
  if (status in STATUS_LABELS) return STATUS_LABELS[status];
  const state = `TASK_STATE_${upper}` as TaskState;
  if (state in TASK_STATE_LABELS) return TASK_STATE_LABELS[state];
  return name;
}
