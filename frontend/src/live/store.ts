// The live picture as the server last described it: snapshots replace it, deltas upsert into it.
import type { Delta, Gauge, Incident, Kpis, ServerMessage, Snapshot, Task } from '../proto';

/** What one applied message changed; listeners accumulate these until they next render. */
export interface StoreChange {
  /** The whole picture was replaced (snapshot): redraw everything. */
  reset: boolean;
  /** Incidents upserted. */
  incidents: string[];
  /** Incidents removed (with their tasks). */
  removed: string[];
  tasks: boolean;
  gauges: boolean;
  kpis: boolean;
}

export type ApplyOutcome = 'snapshot' | 'delta' | 'skipped' | 'ignored';

export type StoreListener = (change: StoreChange) => void;

function seqOf(message: ServerMessage): number {
  const seq = Number(message.seq ?? 0);
  return Number.isFinite(seq) ? seq : 0;
}

export class LiveStore {
  readonly incidents = new Map<string, Incident>();
  readonly tasks = new Map<string, Task>();
  readonly gauges = new Map<string, Gauge>();
  kpis: Kpis | undefined;
  /** Sequence number of the last snapshot or delta applied. */
  seq = 0;
  /** True once a snapshot has been applied: only then can a reconnect resume. */
  hasPicture = false;

  private readonly listeners = new Set<StoreListener>();

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The sequence number to resume from after a reconnect, or undefined to ask for a snapshot. */
  resumeSeq(): number | undefined {
    return this.hasPicture ? this.seq : undefined;
  }

  apply(message: ServerMessage): ApplyOutcome {
    if (message.snapshot) {
      this.applySnapshot(seqOf(message), message.snapshot);
      return 'snapshot';
    }
    if (message.delta) return this.applyDelta(seqOf(message), message.delta) ? 'delta' : 'skipped';
    return 'ignored';
  }

  applySnapshot(seq: number, snapshot: Snapshot): void {
    this.incidents.clear();
    this.tasks.clear();
    this.gauges.clear();
    for (const incident of snapshot.incidents ?? []) this.putIncident(incident);
    for (const task of snapshot.tasks ?? []) this.putTask(task);
    for (const gauge of snapshot.gauges ?? []) this.putGauge(gauge);
    this.kpis = snapshot.kpis;
    this.seq = seq;
    this.hasPicture = true;
    this.emit({ reset: true, incidents: [], removed: [], tasks: true, gauges: true, kpis: true });
  }

  /** Applies a delta unless its seq is not above the last applied one; returns whether it did. */
  applyDelta(seq: number, delta: Delta): boolean {
    if (seq <= this.seq) return false;
    const upserted: string[] = [];
    for (const incident of delta.incidents ?? []) {
      this.putIncident(incident);
      upserted.push(incident.id);
    }
    for (const task of delta.tasks ?? []) this.putTask(task);
    const removed = delta.removedIncidentIds ?? [];
    if (removed.length > 0) {
      const gone = new Set(removed);
      for (const id of removed) this.incidents.delete(id);
      for (const [id, task] of this.tasks) {
        if (task.incidentId !== undefined && gone.has(task.incidentId)) this.tasks.delete(id);
      }
    }
    for (const gauge of delta.gauges ?? []) this.putGauge(gauge);
    if (delta.kpis) this.kpis = delta.kpis;
    this.seq = seq;
    this.emit({
      reset: false,
      incidents: upserted,
      removed,
      tasks: (delta.tasks?.length ?? 0) > 0 || removed.length > 0,
      gauges: (delta.gauges?.length ?? 0) > 0,
      kpis: delta.kpis !== undefined,
    });
    return true;
  }

  /** The tasks of one incident, oldest first. */
  tasksOf(incidentId: string): Task[] {
    return [...this.tasks.values()]
      .filter((t) => t.incidentId === incidentId)
      .sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
  }

  private putIncident(incident: Incident): void {
    this.incidents.set(incident.id, incident);
  }

  private putTask(task: Task): void {
    this.tasks.set(task.id, task);
  }

  /** Gauges are keyed by gaugeId; one without an id cannot be kept (or replaced) and is dropped. */
  private putGauge(gauge: Gauge): void {
    if (gauge.gaugeId) this.gauges.set(gauge.gaugeId, gauge);
  }

  private emit(change: StoreChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
