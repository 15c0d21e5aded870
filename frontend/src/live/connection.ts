// The live channel: WebSocket /ws/situation?format=json with the token as a subprotocol,
// reconnecting with ?resume=<seq> and exponential backoff, pinging every 5 s.
import type { ClientMessage, ServerMessage } from '../proto';
import { CommandTracker } from './commands';
import type { LiveStore } from './store';

/** The part of the browser WebSocket the client uses (tests substitute a fake). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string, protocols: string[]) => SocketLike;

export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Date.now() of the last message of any kind, or undefined before the first. */
  lastMessageAt: number | undefined;
  /** Consecutive failed attempts since the last good connection. */
  attempts: number;
  /** Server clock minus local clock, from the last heartbeat (ms). */
  clockOffsetMs: number;
  /** Protocol errors reported by the server (`error` messages). */
  lastError: string | undefined;
}

export interface ConnectionOptions {
  /** ws:// or wss:// URL of /ws/situation, without query. */
  url: string;
  token: string;
  store: LiveStore;
  createSocket?: SocketFactory;
  pingIntervalMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  random?: () => number;
}

export const STALE_AFTER_MS = 10_000;
const OPEN = 1;

/** Delay before reconnect attempt `attempt` (1-based): doubling from the base, capped, ±20 % jitter. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(Math.min(maxMs, raw * (0.8 + 0.4 * random())));
}

/** The URL of one connection attempt: JSON frames, and resume when the store holds a picture. */
export function situationUrl(base: string, resumeSeq: number | undefined): string {
  const params = new URLSearchParams({ format: 'json' });
  if (resumeSeq !== undefined) params.set('resume', String(resumeSeq));
  return `${base}?${params.toString()}`;
}

export class LiveConnection {
  readonly commands: CommandTracker;
  private socket: SocketLike | undefined;
  private readonly listeners = new Set<(status: ConnectionStatus) => void>();
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private nonce = 0;
  private stopped = true;
  private readonly status: ConnectionStatus = {
    state: 'connecting',
    lastMessageAt: undefined,
    attempts: 0,
    clockOffsetMs: 0,
    lastError: undefined,
  };

  constructor(private readonly options: ConnectionOptions) {
    this.commands = new CommandTracker((message) => this.send(message));
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.stopPing();
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      socket.onclose = null;
      socket.close(1000, 'client leaving');
    }
    this.commands.failAll('connection_lost', '已离开页面');
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.listeners.add(listener);
    listener(this.snapshot());
    return () => this.listeners.delete(listener);
  }

  snapshot(): ConnectionStatus {
    return { ...this.status };
  }

  /** Puts a message on the channel; false when it is not open. */
  send(message: ClientMessage): boolean {
    if (!this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  private connect(): void {
    const { url, token, store } = this.options;
    const create: SocketFactory = this.options.createSocket ?? ((u, p) => new WebSocket(u, p) as unknown as SocketLike);
    // The old picture stays on screen: a resume answer upserts into it, a resync snapshot replaces it.
    const socket = create(situationUrl(url, store.resumeSeq()), ['quanyu.v1', `quanyu.token.${token}`]);
    this.socket = socket;
    socket.onopen = () => {
      this.setState('open');
      this.ping();
      this.stopPing();
      this.pingTimer = setInterval(() => this.ping(), this.options.pingIntervalMs ?? 5000);
    };
    socket.onmessage = (ev) => this.receive(ev.data);
    socket.onerror = () => {
      // Followed by onclose, which schedules the retry.
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.stopPing();
      this.commands.failAll('connection_lost', '连接中断，命令结果未知，请核对态势');
      if (this.stopped) return;
      this.status.attempts += 1;
      this.setState('reconnecting');
      const delay = backoffDelay(
        this.status.attempts,
        this.options.backoffBaseMs ?? 250,
        this.options.backoffMaxMs ?? 5000,
        this.options.random,
      );
      this.retryTimer = setTimeout(() => this.connect(), delay);
    };
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let message: ServerMessage;
    try {
      message = JSON.parse(data) as ServerMessage;
    } catch {
      return;
    }
    this.status.lastMessageAt = Date.now();
    this.status.attempts = 0;
    if (message.heartbeat?.serverTime) {
      const serverMs = Date.parse(message.heartbeat.serverTime);
      if (Number.isFinite(serverMs)) this.status.clockOffsetMs = serverMs - Date.now();
    }
    if (message.commandResult) this.commands.handle(message.commandResult);
    if (message.error) this.status.lastError = `${message.error.code ?? ''} ${message.error.message ?? ''}`.trim();
    this.options.store.apply(message);
    this.notify();
  }

  private ping(): void {
    this.nonce += 1;
    this.send({ ping: { nonce: String(this.nonce) } });
  }

  private stopPing(): void {
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  private setState(state: ConnectionState): void {
    this.status.state = state;
    this.notify();
  }

  private notify(): void {
    const status = this.snapshot();
    for (const listener of this.listeners) listener(status);
  }
}

/** The /ws/situation URL next to the page (ws: for http:, wss: for https:). */
export function defaultSituationUrl(location: Location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/ws/situation`;
}
