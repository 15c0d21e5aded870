import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveConnection, backoffDelay, situationUrl, type SocketLike } from '../src/live/connection';
import { LiveStore } from '../src/live/store';
import { freshness } from '../src/ui/status';

class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  sent: unknown[] = [];
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({});
  }
}

describe('situationUrl and backoff', () => {
  it('asks for JSON, and resume only with a seq', () => {
    expect(situationUrl('ws://h/ws/situation', undefined)).toBe('ws://h/ws/situation?format=json');
    expect(situationUrl('ws://h/ws/situation', 17)).toBe('ws://h/ws/situation?format=json&resume=17');
  });

  it('doubles from the base and stops at the cap', () => {
    const mid = () => 0.5; // no jitter
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, 250, 5000, mid))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
    expect(backoffDelay(10, 250, 5000, () => 1)).toBeLessThanOrEqual(5000);
    expect(backoffDelay(1, 250, 5000, () => 0)).toBe(200);
  });
});

describe('LiveConnection', () => {
  let sockets: FakeSocket[];
  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
  });
  afterEach(() => vi.useRealTimers());

  function connect(store = new LiveStore()) {
    const connection = new LiveConnection({
      url: 'ws://h/ws/situation',
      token: 'secret-1',
      store,
      random: () => 0.5,
      createSocket: (url, protocols) => {
        const s = new FakeSocket(url, protocols);
        sockets.push(s);
        return s;
      },
    });
    connection.start();
    return { connection, store };
  }

  it('offers the token as a subprotocol and pings on open and every 5 s', () => {
    connect();
    expect(sockets[0].protocols).toEqual(['quanyu.v1', 'quanyu.token.secret-1']);
    sockets[0].open();
    expect(sockets[0].sent).toEqual([{ ping: { nonce: '1' } }]);
    vi.advanceTimersByTime(10_000);
    expect(sockets[0].sent).toEqual([{ ping: { nonce: '1' } }, { ping: { nonce: '2' } }, { ping: { nonce: '3' } }]);
  });

  it('reconnects with resume after the last seq, keeping the picture meanwhile', () => {
    const { store } = connect();
    sockets[0].open();
    sockets[0].receive({ seq: '7', snapshot: { incidents: [{ id: 'INC-1' }] } });
    sockets[0].receive({ seq: '8', delta: { incidents: [{ id: 'INC-2' }] } });
    sockets[0].drop();
    expect(store.incidents.size).toBe(2);
    vi.advanceTimersByTime(249);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets[1].url).toBe('ws://h/ws/situation?format=json&resume=8');
    // The next attempt fails too: the delay doubles.
    sockets[1].drop();
    vi.advanceTimersByTime(499);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets[2].url).toContain('resume=8');
    sockets[2].open();
    sockets[2].receive({ seq: '8', delta: { removedIncidentIds: ['INC-1'] } });
    expect(store.incidents.has('INC-1')).toBe(true);
    sockets[2].receive({ seq: '9', delta: { removedIncidentIds: ['INC-1'] } });
    expect(store.incidents.has('INC-1')).toBe(false);
  });

  it('reports stale after 10 s without any message', () => {
    const { connection } = connect();
    sockets[0].open();
    expect(freshness(connection.snapshot(), Date.now())).toBe('connecting');
    sockets[0].receive({ seq: '1', heartbeat: { serverTime: new Date().toISOString() } });
    expect(freshness(connection.snapshot(), Date.now())).toBe('live');
    expect(freshness(connection.snapshot(), Date.now() + 10_001)).toBe('stale');
    sockets[0].drop();
    expect(freshness(connection.snapshot(), Date.now())).toBe('reconnecting');
  });
});
