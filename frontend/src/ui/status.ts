// The connection and freshness indicator, and the full-width banner when data is stale.
import type { ConnectionStatus } from '../live/connection';
import { STALE_AFTER_MS } from '../live/connection';
import { formatBeijing, formatBeijingClock } from '../model/time';
import { el } from './frame';

export type Freshness = 'connecting' | 'live' | 'reconnecting' | 'stale';

/** Live when a message came within 10 s; stale when older (whether or not the socket is open). */
export function freshness(status: ConnectionStatus, now: number): Freshness {
  const age = status.lastMessageAt === undefined ? undefined : now - status.lastMessageAt;
  if (age !== undefined && age > STALE_AFTER_MS) return 'stale';
  if (status.state === 'reconnecting') return 'reconnecting';
  if (age === undefined) return 'connecting';
  return 'live';
}

export class StatusIndicator {
  readonly badge = el('div', { class: 'live-status', id: 'live-status' });
  readonly banner = el('div', { class: 'stale-banner', id: 'stale-banner', hidden: '' });
  readonly clock = el('div', { class: 'clock' });
  private status: ConnectionStatus | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), 500);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  update(status: ConnectionStatus): void {
    const before = this.status;
    this.status = status;
    if (!before || before.state !== status.state) this.tick();
  }

  private tick(): void {
    const now = Date.now();
    this.clock.textContent = formatBeijing(now);
    const status = this.status;
    if (!status) return;
    const state = freshness(status, now);
    const age = status.lastMessageAt === undefined ? undefined : Math.floor((now - status.lastMessageAt) / 1000);
    const last = status.lastMessageAt === undefined ? '' : `最后数据 ${formatBeijingClock(status.lastMessageAt)}`;
    const text: Record<Freshness, string> = {
      connecting: '正在连接…',
      live: `实时 · ${last}`,
      reconnecting: `连接中断 · 正在重连（第 ${status.attempts} 次）`,
      stale: `数据已过期 · ${age ?? ''} 秒无更新`,
    };
    this.badge.dataset.state = state;
    this.badge.textContent = text[state];
    document.body.dataset.freshness = state;
    const alarming = state === 'stale' || state === 'reconnecting';
    this.banner.hidden = !alarming;
    this.banner.dataset.state = state;
    if (alarming) {
      const reason = status.state === 'open' ? '连接仍在，但服务器无响应' : `连接中断，正在重连（第 ${status.attempts} 次）`;
      this.banner.textContent =
        state === 'stale'
          ? `⚠ 数据已过期：${age} 秒未收到更新（${last}）· ${reason}。屏上态势可能不是最新。`
          : `⚠ 连接中断：正在重连（第 ${status.attempts} 次）· ${last}。屏上态势保持最后状态。`;
    }
  }
}
