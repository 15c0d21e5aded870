// Hand-written TypeScript shapes of the proto3 JSON mapping of proto/quanyu/v1/*.proto, limited
// to the fields the client uses. proto3 JSON leaves default values out, so every scalar is
// optional; 64-bit integers (seq, version, nonce) arrive as strings.

export type Severity = 'SEVERITY_UNSPECIFIED' | 'SEVERITY_BLUE' | 'SEVERITY_YELLOW' | 'SEVERITY_ORANGE' | 'SEVERITY_RED';

export type IncidentKind = 'INCIDENT_KIND_UNSPECIFIED' | 'INCIDENT_KIND_FIRE' | 'INCIDENT_KIND_FLOOD' | 'INCIDENT_KIND_SECURITY' | 'INCIDENT_KIND_WARNING';

export type IncidentStatus =
  | 'INCIDENT_STATUS_UNSPECIFIED'
  | 'INCIDENT_STATUS_NEW'
  | 'INCIDENT_STATUS_ACKNOWLEDGED'
  | 'INCIDENT_STATUS_DISPATCHED'
  | 'INCIDENT_STATUS_RESOLVED'
  | 'INCIDENT_STATUS_CLOSED'
  | 'INCIDENT_STATUS_FALSE_ALARM';

export type TaskKind = 'TASK_KIND_UNSPECIFIED' | 'TASK_KIND_VERIFY' | 'TASK_KIND_HANDLE' | 'TASK_KIND_EVACUATE';

export type TaskState =
  | 'TASK_STATE_UNSPECIFIED'
  | 'TASK_STATE_DISPATCHED'
  | 'TASK_STATE_ACCEPTED'
  | 'TASK_STATE_EN_ROUTE'
  | 'TASK_STATE_ON_SCENE'
  | 'TASK_STATE_DONE'
  | 'TASK_STATE_CANCELLED';

/** google.protobuf.Timestamp in JSON: an RFC 3339 string. */
export type Timestamp = string;
/** uint64 in JSON. */
export type Uint64 = string;

export interface LonLat {
  lon?: number;
  lat?: number;
}

export interface DistrictRef {
  adcode?: string;
  name?: string;
  match?: string;
  distanceM?: number;
}

export interface Evidence {
  observationId?: string;
  source?: string;
  observedAt?: Timestamp;
  position?: LonLat;
  confidence?: number;
  summary?: string;
  flame?: boolean;
  priority?: number;
}

export interface NearbyResource {
  resourceId?: string;
  name?: string;
  kind?: string;
  layer?: string;
  position?: LonLat;
  distanceM?: number;
}

export interface Transition {
  from?: string;
  to?: string;
  by?: string;
  at?: Timestamp;
  note?: string;
}

export interface Incident {
  id: string;
  kind?: IncidentKind;
  severity?: Severity;
  status?: IncidentStatus;
  title?: string;
  position?: LonLat;
  district?: DistrictRef;
  confidence?: number;
  evidence?: Evidence[];
  firstSeen?: Timestamp;
  lastSeen?: Timestamp;
  nearby?: NearbyResource[];
  taskIds?: string[];
  history?: Transition[];
  peakLevelM?: number;
  riseRateMPerH?: number;
  version?: Uint64;
  deviceId?: string;
  evidenceCount?: number;
  /** Warning incidents: when the published warning expires. */
  expires?: string;
}

export interface Task {
  id: string;
  incidentId?: string;
  kind?: TaskKind;
  state?: TaskState;
  resourceId?: string;
  resourceName?: string;
  createdAt?: Timestamp;
  dueAt?: Timestamp;
  overdue?: boolean;
  createdBy?: string;
  note?: string;
  history?: Transition[];
  district?: DistrictRef;
  version?: Uint64;
}

export interface GaugeReading {
  at?: Timestamp;
  levelM?: number;
}

export interface Gauge {
  gaugeId: string;
  name?: string;
  position?: LonLat;
  district?: DistrictRef;
  levelM?: number;
  at?: Timestamp;
  warningLevelM?: number;
  guaranteeLevelM?: number;
  riseRateMPerH?: number;
  openIncidentId?: string;
  recent?: GaugeReading[];
}

export interface KpiCount {
  kind?: IncidentKind;
  severity?: Severity;
  adcode?: string;
  count?: number;
}

export interface Kpis {
  openIncidents?: KpiCount[];
  openTasks?: number;
  overdueTasks?: number;
  gaugesAboveWarning?: number;
  meanTimeToAcknowledgeS?: number;
  meanTimeToVerifyS?: number;
  asOf?: Timestamp;
}

export interface Snapshot {
  incidents?: Incident[];
  tasks?: Task[];
  kpis?: Kpis;
  resync?: boolean;
  gauges?: Gauge[];
}

export interface Delta {
  incidents?: Incident[];
  tasks?: Task[];
  removedIncidentIds?: string[];
  kpis?: Kpis;
  gauges?: Gauge[];
}

export interface CommandResult {
  correlationId?: string;
  ok?: boolean;
  errorCode?: string;
  errorMessage?: string;
  incidentId?: string;
  taskId?: string;
}

export interface Heartbeat {
  serverTime?: Timestamp;
  seq?: Uint64;
}

export interface ServerError {
  code?: string;
  message?: string;
}

export interface ServerMessage {
  seq?: Uint64;
  snapshot?: Snapshot;
  delta?: Delta;
  commandResult?: CommandResult;
  heartbeat?: Heartbeat;
  error?: ServerError;
}

/** One of the actions of quanyu.v1.Command (live.proto), as proto3 JSON. */
export type CommandAction =
  | { acknowledge: { incidentId: string; note?: string } }
  | { dispatch: { incidentId: string; kind?: TaskKind; resourceId?: string; dueInS?: number; note?: string } }
  | { updateTask: { taskId: string; state: TaskState; note?: string } }
  | { close: { incidentId: string; note?: string } }
  | { falseAlarm: { incidentId: string; note?: string } }
  | { resolve: { incidentId: string; note?: string } }
  | { setSeverity: { incidentId: string; severity: Severity; note?: string } };

export type ClientMessage =
  | { ping: { nonce: Uint64 } }
  | { resume: { afterSeq: Uint64 } }
  | { command: { correlationId: string } & CommandAction };

export interface LayerInfo {
  name: string;
  role?: string;
  featureCount?: Uint64;
  extent?: { minLon?: number; minLat?: number; maxLon?: number; maxLat?: number };
}

export interface LayerList {
  layers?: LayerInfo[];
}

export interface ApiErrorBody {
  error?: { code?: string; message?: string };
}
