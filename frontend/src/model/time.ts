// Every time on screen is Beijing time (Asia/Shanghai), whatever the browser's zone.

const FORMAT = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function parts(ms: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of FORMAT.formatToParts(new Date(ms))) out[part.type] = part.value;
  return out;
}

/** "2026-12-01 14:03:05" in Beijing time; "—" for a missing or unparsable time. */
export function formatBeijing(time: string | number | undefined): string {
  const ms = toMillis(time);
  if (ms === undefined) return '—';
  const p = parts(ms);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** "14:03:05" in Beijing time. */
export function formatBeijingClock(time: string | number | undefined): string {
  const ms = toMillis(time);
  if (ms === undefined) return '—';
  const p = parts(ms);
  return `${p.hour}:${p.minute}:${p.second}`;
}

export function toMillis(time: string | number | undefined): number | undefined {
  if (time === undefined || time === '') return undefined;
  const ms = typeof time === 'number' ? time : Date.parse(time);
  return Number.isFinite(ms) ? ms : undefined;
}

/** A duration in seconds as "12 秒", "3 分 20 秒", "1 时 05 分". */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} 秒`;
  if (s < 3600) return `${Math.floor(s / 60)} 分 ${String(s % 60).padStart(2, '0')} 秒`;
  return `${Math.floor(s / 3600)} 时 ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} 分`;
}

/** A distance in metres as "780 m" or "11.2 km". */
export function formatDistance(metres: number | undefined): string {
  if (metres === undefined || !Number.isFinite(metres)) return '—';
  return metres < 1000 ? `${Math.round(metres)} m` : `${(metres / 1000).toFixed(1)} km`;
}
