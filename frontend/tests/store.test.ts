import { describe, expect, it } from 'vitest';
import { LiveStore, type StoreChange } from '../src/live/store';
import type { Gauge, Incident, Task } from '../src/proto';

const incident = (id: string, extra: Partial<Incident> = {}): Incident => ({
  id,
  kind: 'INCIDENT_KIND_FIRE',
  severity: 'SEVERITY_YELLOW',
  status: 'INCIDENT_STATUS_NEW',
  district: { adcode: '500103', name: '渝中区' },
  version: '1',
  ...extra,
});
const gauge = (gaugeId: string, levelM: number, extra: Partial<Gauge> = {}): Gauge => ({
  gaugeId,
  name: `${gaugeId} 水位站`,
  levelM,
  warningLevelM: 180.5,
  guaranteeLevelM: 183.0,
  district: { adcode: '500116', name: '江津区' },
  ...extra,
});
const task = (id: string, incidentId: string): Task => ({ id, incidentId, state: 'TASK_STATE_DISPATCHED', district: { adcode: '500108' } });

describe('LiveStore', () => {
  it('replaces the whole picture on a snapshot', () => {
    const store = new LiveStore();
    store.apply({ seq: '5', snapshot: { incidents: [incident('INC-1'), incident('INC-2')], tasks: [task('T-1', 'INC-1')] } });
    expect(store.seq).toBe(5);
    expect([...store.incidents.keys()]).toEqual(['INC-1', 'INC-2']);
    store.apply({ seq: '3', snapshot: { resync: true, incidents: [incident('INC-9')] } });
    expect([...store.incidents.keys()]).toEqual(['INC-9']);
    expect(store.tasks.size).toBe(0);
    expect(store.seq).toBe(3);
  });

  it('upserts incidents, tasks and gauges from a delta', () => {
    const store = new LiveStore();
    store.apply({ seq: '1', snapshot: { incidents: [incident('INC-1')] } });
    const outcome = store.apply({
      seq: '2',
      delta: {
        incidents: [incident('INC-1', { status: 'INCIDENT_STATUS_ACKNOWLEDGED', version: '2' }), incident('INC-2')],
        tasks: [task('T-1', 'INC-1')],
        gauges: [{ gaugeId: 'WG-1', levelM: 181.2, warningLevelM: 180.5 }],
        kpis: { openTasks: 1 },
      },
    });
    expect(outcome).toBe('delta');
    expect(store.incidents.get('INC-1')?.status).toBe('INCIDENT_STATUS_ACKNOWLEDGED');
    expect(store.incidents.size).toBe(2);
    expect(store.tasks.get('T-1')?.incidentId).toBe('INC-1');
    expect(store.gauges.get('WG-1')?.levelM).toBe(181.2);
    expect(store.kpis?.openTasks).toBe(1);
  });

  it('skips deltas whose seq is not above the last applied one', () => {
    const store = new LiveStore();
    store.apply({ seq: '10', snapshot: { incidents: [incident('INC-1')] } });
    expect(store.apply({ seq: '10', delta: { incidents: [incident('INC-2')] } })).toBe('skipped');
    expect(store.apply({ seq: '9', delta: { removedIncidentIds: ['INC-1'] } })).toBe('skipped');
    expect([...store.incidents.keys()]).toEqual(['INC-1']);
    expect(store.apply({ seq: '11', delta: { incidents: [incident('INC-2')] } })).toBe('delta');
    expect(store.seq).toBe(11);
  });

  it('drops the tasks of removed incidents', () => {
    const store = new LiveStore();
    store.apply({ seq: '1', snapshot: { incidents: [incident('INC-1'), incident('INC-2')], tasks: [task('T-1', 'INC-1'), task('T-2', 'INC-2'), task('T-3', 'INC-1')] } });
    store.apply({ seq: '2', delta: { removedIncidentIds: ['INC-1'] } });
    expect([...store.incidents.keys()]).toEqual(['INC-2']);
    expect([...store.tasks.keys()]).toEqual(['T-2']);
  });

  it('keeps kpis when a delta carries none', () => {
    const store = new LiveStore();
    store.apply({ seq: '1', snapshot: { kpis: { openTasks: 4 } } });
    store.apply({ seq: '2', delta: { incidents: [incident('INC-1')] } });
    expect(store.kpis?.openTasks).toBe(4);
  });

  it('resumes only once it holds a picture, from the last applied seq', () => {
    const store = new LiveStore();
    expect(store.resumeSeq()).toBeUndefined();
    store.apply({ snapshot: {} });
    expect(store.resumeSeq()).toBe(0);
    store.apply({ seq: '42', delta: { incidents: [incident('INC-1')] } });
    expect(store.resumeSeq()).toBe(42);
    store.apply({ seq: '43', heartbeat: { seq: '43' } });
    expect(store.resumeSeq()).toBe(42);
  });

  it('tells listeners what changed', () => {
    const store = new LiveStore();
    const changes: StoreChange[] = [];
    store.subscribe((c) => changes.push(c));
    store.apply({ seq: '1', snapshot: { incidents: [incident('INC-1')] } });
    store.apply({ seq: '2', delta: { incidents: [incident('INC-2')], removedIncidentIds: ['INC-1'] } });
    store.apply({ seq: '2', delta: { incidents: [incident('INC-3')] } });
    expect(changes).toHaveLength(2);
    expect(changes[0].reset).toBe(true);
    expect(changes[1]).toMatchObject({ reset: false, incidents: ['INC-2'], removed: ['INC-1'], tasks: true, kpis: false });
  });

  it('keeps the gauges of a snapshot, replacing earlier ones', () => {
    const store = new LiveStore();
    const changes: StoreChange[] = [];
    store.subscribe((c) => changes.push(c));
    store.apply({ seq: '1', snapshot: { gauges: [gauge('WG-1', 180.1), gauge('WG-2', 175.0)] } });
    expect([...store.gauges.keys()]).toEqual(['WG-1', 'WG-2']);
    store.apply({ seq: '2', snapshot: { resync: true, gauges: [gauge('WG-3', 190.4)] } });
    expect([...store.gauges.keys()]).toEqual(['WG-3']);
    store.apply({ seq: '3', snapshot: {} });
    expect(store.gauges.size).toBe(0);
    expect(changes.every((c) => c.reset && c.gauges)).toBe(true);
  });

  it('upserts gauges of a delta by gaugeId, keeping the others', () => {
    const store = new LiveStore();
    store.apply({ seq: '1', snapshot: { gauges: [gauge('WG-1', 180.1), gauge('WG-2', 175.0)] } });
    const changes: StoreChange[] = [];
    store.subscribe((c) => changes.push(c));
    const newer = gauge('WG-1', 181.3, { riseRateMPerH: 0.4, openIncidentId: 'INC-7', recent: [{ at: '2026-11-23T02:00:00Z', levelM: 180.1 }, { at: '2026-11-23T02:05:00Z', levelM: 181.3 }] });
    store.apply({ seq: '2', delta: { gauges: [newer, gauge('WG-9', 170.2)] } });
    expect([...store.gauges.keys()].sort()).toEqual(['WG-1', 'WG-2', 'WG-9']);
    expect(store.gauges.get('WG-1')).toEqual(newer);
    expect(store.gauges.get('WG-2')?.levelM).toBe(175.0);
    expect(changes).toEqual([{ reset: false, incidents: [], removed: [], tasks: false, gauges: true, kpis: false }]);
    // A delta without gauges leaves them alone and says so.
    store.apply({ seq: '3', delta: { incidents: [incident('INC-1')] } });
    expect(store.gauges.size).toBe(3);
    expect(changes[1].gauges).toBe(false);
    // Removing incidents does not remove the gauge that followed one.
    store.apply({ seq: '4', delta: { removedIncidentIds: ['INC-7'] } });
    expect(store.gauges.get('WG-1')?.openIncidentId).toBe('INC-7');
  });

  it('ignores gauge updates of a skipped delta and gauges without an id', () => {
    const store = new LiveStore();
    store.apply({ seq: '5', snapshot: { gauges: [gauge('WG-1', 180.1)] } });
    expect(store.apply({ seq: '5', delta: { gauges: [gauge('WG-1', 199)] } })).toBe('skipped');
    expect(store.gauges.get('WG-1')?.levelM).toBe(180.1);
    store.apply({ seq: '6', delta: { gauges: [{ gaugeId: '', levelM: 1 }] } });
    expect([...store.gauges.keys()]).toEqual(['WG-1']);
  });
});
