// The signed-in token and what the server says it may do (GET /api/v1/session), kept in
// sessionStorage (gone when the tab closes).
import { Api } from './api';

export type Role = 'wall' | 'duty_officer' | 'subcentre' | 'feed' | 'admin';

const ROLES: readonly Role[] = ['wall', 'duty_officer', 'subcentre', 'feed', 'admin'];

/** The answer of GET /api/v1/session. */
export interface SessionInfo {
  name: string;
  role: Role;
  /** District adcodes the token is limited to; empty = the whole jurisdiction. */
  districts: string[];
  mayRead: boolean;
  mayCommand: boolean;
  mayIngest: boolean;
}

export interface Session extends SessionInfo {
  token: string;
}

const KEY = 'quanyu.session';

/** Checks and normalises a session answer (or a stored session); undefined when it is not one. */
export function parseSessionInfo(raw: unknown): SessionInfo | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.role !== 'string' || !ROLES.includes(r.role as Role)) return undefined;
  const districts = Array.isArray(r.districts) ? r.districts.filter((d): d is string => typeof d === 'string' && d !== '') : [];
  return {
    name: typeof r.name === 'string' ? r.name : '',
    role: r.role as Role,
    districts,
    mayRead: r.mayRead === true,
    mayCommand: r.mayCommand === true,
    mayIngest: r.mayIngest === true,
  };
}

export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return undefined;
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    if (typeof parsed.token !== 'string' || !parsed.token) return undefined;
    const info = parseSessionInfo(parsed);
    // A session stored by an older client (no role) or a token that may not read: sign in again.
    if (!info || !info.mayRead) return undefined;
    return { token: parsed.token, ...info };
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

/** The characters a subprotocol may carry (RFC 7230 tchar): the only tokens the live channel accepts. */
export function isValidTokenSyntax(token: string): boolean {
  return /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(token);
}

/** Thrown when the token is valid but may not read the situation (a feed token). */
export class NoViewAccess extends Error {
  constructor(readonly info: SessionInfo) {
    super(`token ${info.name} (${info.role}) may not read`);
  }
}

/**
 * Asks the server who this token is (GET /api/v1/session). Throws ApiError (401 for an unknown
 * token), NoViewAccess for a token that may not read, or Error for an answer that is not a session.
 */
export async function fetchSession(token: string, api = new Api(token)): Promise<Session> {
  const info = parseSessionInfo(await api.get<unknown>('/api/v1/session'));
  if (!info) throw new Error('GET /api/v1/session: not a session');
  if (!info.mayRead) throw new NoViewAccess(info);
  return { token, ...info };
}

/** Sign-in message (Chinese) for a failed fetchSession. */
export function signInError(error: unknown): string {
  if (error instanceof NoViewAccess) {
    return `该令牌（${error.info.name || error.info.role}）为数据接入令牌，只能上报数据，不能登录查看态势`;
  }
  const status = (error as { status?: unknown })?.status;
  if (status === 401) return '令牌无效';
  if (status === 403) return '该令牌无权查看态势';
  return `无法连接服务器：${error instanceof Error ? error.message : String(error)}`;
}

export const ROLE_LABELS: Record<Role, string> = {
  wall: '大屏（只读）',
  duty_officer: '值班员',
  subcentre: '分中心',
  feed: '数据接入',
  admin: '管理员',
};
