import { describe, expect, it } from 'vitest';
import { nextTaskState } from '../src/model/labels';
import { compareIncidents, districtSeverity, gaugeAlertLevel, highestGauges, latestAlarms, summariseKpis } from '../src/model/situation';
import { severityColour, severityRank } from '../src/model/severity';
import { formatBeijing, formatBeijingClock, formatDistance, formatDuration } from '../src/model/time';
import type { Incident } from '../src/proto';

const inc = (id: string, adcode: string, severity: Incident['severity'], status: Incident['status'], lastSeen = '2026-12-01T06:00:00Z'): Incident => ({
  id,
  severity,
  status,
  lastSeen,
  district: { adcode },
});

describe('district shading', () => {
  it('takes the highest severity of the open incidents only', () => {
    const shading = districtSeverity([
      inc('1', '500103', 'SEVERITY_BLUE', 'INCIDENT_STATUS_NEW'),
      inc('2', '500103', 'SEVERITY_ORANGE', 'INCIDENT_STATUS_DISPATCHED'),
      inc('3', '500103', 'SEVERITY_RED', 'INCIDENT_STATUS_CLOSED'),
      inc('4', '500108', 'SEVERITY_RED', 'INCIDENT_STATUS_FALSE_ALARM'),
      inc('5', '500108', 'SEVERITY_YELLOW', 'INCIDENT_STATUS_RESOLVED'),
      inc('6', '500102', 'SEVERITY_YELLOW', 'INCIDENT_STATUS_ACKNOWLEDGED'),
      inc('7', '', 'SEVERITY_RED', 'INCIDENT_STATUS_NEW'),
    ]);
    expect(Object.fromEntries(shading)).toEqual({ '500103': 3, '500102': 2 });
    expect(severityColour('SEVERITY_ORANGE')).toBe('#ff7a00');
    expect(severityColour('SEVERITY_RED')).toBe('#e02020');
    expect(severityRank(undefined)).toBe(0);
  });
});

describe('KPI sums', () => {
  it('adds the counts by kind, severity and district', () => {
    const s = summariseKpis({
      openIncidents: [
        { kind: 'INCIDENT_KIND_FIRE', severity: 'SEVERITY_RED', adcode: '500103', count: 2 },
        { kind: 'INCIDENT_KIND_FIRE', severity: 'SEVERITY_BLUE', adcode: '500108', count: 3 },
        { kind: 'INCIDENT_KIND_FLOOD', severity: 'SEVERITY_RED', adcode: '500103', count: 1 },
        { kind: 'INCIDENT_KIND_SECURITY', adcode: '500103' },
      ],
    });
    expect(s.total).toBe(6);
    expect(s.byKind.get('INCIDENT_KIND_FIRE')).toBe(5);
    expect(s.bySeverity.get('SEVERITY_RED')).toBe(3);
    expect(s.byKindSeverity.get('INCIDENT_KIND_FLOOD|SEVERITY_RED')).toBe(1);
    expect(Object.fromEntries(s.byDistrict)).toEqual({ '500103': 3, '500108': 3 });
    expect(summariseKpis(undefined).total).toBe(0);
  });
});

describe('orderings', () => {
  it('sorts incidents by severity, then latest first', () => {
    const list = [
      inc('a', 'x', 'SEVERITY_BLUE', 'INCIDENT_STATUS_NEW', '2026-12-01T06:00:09Z'),
      inc('b', 'x', 'SEVERITY_RED', 'INCIDENT_STATUS_NEW', '2026-12-01T06:00:01Z'),
      inc('c', 'x', 'SEVERITY_RED', 'INCIDENT_STATUS_NEW', '2026-12-01T06:00:05Z'),
    ].sort(compareIncidents);
    expect(list.map((i) => i.id)).toEqual(['c', 'b', 'a']);
  });

  it('lists the latest evidence of each incident, newest first', () => {
    const alarms = latestAlarms(
      [
        { id: 'INC-1', evidence: [{ observedAt: '2026-12-01T06:00:00Z', summary: 'old' }, { observedAt: '2026-12-01T06:00:30Z', summary: '烟雾 0.80' }] },
        { id: 'INC-2', evidence: [{ observedAt: '2026-12-01T06:00:10Z', summary: '入侵' }] },
        { id: 'INC-3' },
      ],
      5,
    );
    expect(alarms.map((a) => [a.incidentId, a.summary])).toEqual([
      ['INC-1', '烟雾 0.80'],
      ['INC-2', '入侵'],
    ]);
  });

  it('ranks gauges by their level against warning', () => {
    const gauges = [
      { gaugeId: 'A', levelM: 180.0, warningLevelM: 180.5, guaranteeLevelM: 183.5 },
      { gaugeId: 'B', levelM: 200.1, warningLevelM: 199.5, guaranteeLevelM: 203 },
      { gaugeId: 'C', levelM: 184, warningLevelM: 180.5, guaranteeLevelM: 183.5 },
      { gaugeId: 'D', levelM: 170 },
    ];
    expect(highestGauges(gauges, 2).map((g) => g.gaugeId)).toEqual(['C', 'B']);
    expect(gauges.map(gaugeAlertLevel)).toEqual([1, 2, 3, 0]);
  });

  it('advances tasks forward only', () => {
    expect(nextTaskState('TASK_STATE_DISPATCHED')).toBe('TASK_STATE_ACCEPTED');
    expect(nextTaskState('TASK_STATE_ON_SCENE')).toBe('TASK_STATE_DONE');
    expect(nextTaskState('TASK_STATE_DONE')).toBeUndefined();
    expect(nextTaskState('TASK_STATE_CANCELLED')).toBeUndefined();
  });
});

describe('Beijing time', () => {
  it('formats any instant in Asia/Shanghai', () => {
    expect(formatBeijing('2026-12-01T06:03:05Z')).toBe('2026-12-01 14:03:05');
    expect(formatBeijing('2026-12-01T20:00:00.5Z')).toBe('2026-12-02 04:00:00');
    expect(formatBeijing('2026-12-01T14:03:05+08:00')).toBe('2026-12-01 14:03:05');
    expect(formatBeijingClock(Date.UTC(2026, 11, 1, 16, 0, 0))).toBe('00:00:00');
    expect(formatBeijing(undefined)).toBe('—');
    expect(formatBeijing('not a time')).toBe('—');
  });

  it('formats durations and distances', () => {
    expect(formatDuration(42)).toBe('42 秒');
    expect(formatDuration(200)).toBe('3 分 20 秒');
    expect(formatDuration(3900)).toBe('1 时 05 分');
    expect(formatDuration(undefined)).toBe('—');
    expect(formatDistance(780.4)).toBe('780 m');
    expect(formatDistance(11226)).toBe('11.2 km');
  });
});
