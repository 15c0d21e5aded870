import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CommandTracker, describeError } from '../src/live/commands';
import type { ClientMessage } from '../src/proto';

describe('CommandTracker', () => {
  let sent: ClientMessage[];
  let open: boolean;
  let tracker: CommandTracker;
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    open = true;
    tracker = new CommandTracker((m) => (open ? (sent.push(m), true) : false), 10_000, 'c');
  });
  afterEach(() => vi.useRealTimers());

  it('sends each command with its own correlation id and resolves it by that id', async () => {
    const ack = tracker.issue({ acknowledge: { incidentId: 'INC-000003' } });
    const dispatch = tracker.issue({ dispatch: { incidentId: 'INC-000003', resourceId: '' } });
    expect(sent).toEqual([
      { command: { correlationId: 'c-1', acknowledge: { incidentId: 'INC-000003' } } },
      { command: { correlationId: 'c-2', dispatch: { incidentId: 'INC-000003', resourceId: '' } } },
    ]);
    // Answers may come in any order.
    expect(tracker.handle({ correlationId: 'c-2', ok: true, incidentId: 'INC-000003', taskId: 'TASK-000001' })).toBe(true);
    expect(tracker.handle({ correlationId: 'c-1', errorCode: 'invalid_transition', errorMessage: 'already acknowledged' })).toBe(true);
    await expect(dispatch).resolves.toMatchObject({ ok: true, taskId: 'TASK-000001' });
    await expect(ack).resolves.toMatchObject({ ok: false, errorCode: 'invalid_transition' });
    expect(tracker.inFlight).toBe(0);
  });

  it('ignores results that answer none of its commands', () => {
    expect(tracker.handle({ correlationId: 'other-1', ok: true })).toBe(false);
  });

  it('reports a command it could not send', async () => {
    open = false;
    await expect(tracker.issue({ close: { incidentId: 'INC-1' } })).resolves.toMatchObject({ ok: false, errorCode: 'not_connected' });
  });

  it('times out and fails everything in flight when the connection drops', async () => {
    const late = tracker.issue({ close: { incidentId: 'INC-1' } });
    vi.advanceTimersByTime(10_000);
    await expect(late).resolves.toMatchObject({ ok: false, errorCode: 'timeout' });
    const lost = tracker.issue({ falseAlarm: { incidentId: 'INC-2' } });
    tracker.failAll('connection_lost', 'gone');
    await expect(lost).resolves.toMatchObject({ ok: false, errorCode: 'connection_lost' });
    expect(tracker.handle({ correlationId: 'c-2', ok: true })).toBe(false);
  });

  it('describes errors in Chinese with the server code', () => {
    expect(describeError({ correlationId: 'x', ok: false, errorCode: 'forbidden', errorMessage: 'a wall token cannot send commands' })).toBe(
      '当前令牌无指挥权限（forbidden：a wall token cannot send commands）',
    );
  });
});
