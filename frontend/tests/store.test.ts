import { describe, expect, it } from 'vitest';
import { LiveStore, type StoreChange } from '../src/live/store';
import type { Incident, Task } from '../src/proto';

const incident = (id: string, extra: Partial<Incident> = {}): Incident => ({
  id,
  kind: 'INCIDENT_KIND_FIRE',
  severity: 'SEVERITY_YELLOW',
  status: 'INCIDENT_STATUS_NEW',
  district: { adcode: '500103', name: '渝中区' },
  version: '1',
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

  it('learns the districts it is shown (a sub-centre scope)', () => {
    const store = new LiveStore();
    store.apply({
      seq: '1',
      snapshot: {
        incidents: [incident('INC-1')],
        tasks: [task('T-1', 'INC-1')],
        kpis: { openIncidents: [{ adcode: '500103', count: 1 }] },
      },
    });
    expect([...store.seenDistricts].sort()).toEqual(['500103', '500108']);
  });
});
