// The signed-in token and what it may do, kept in sessionStorage (gone when the tab closes).
import { Api, ApiError } from './api';

export type Access = 'reader' | 'commander';

export interface Session {
  token: string;
  access: Access;
}

const KEY = 'quanyu.session';

export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return undefined;
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.token !== 'string' || !parsed.token) return undefined;
    return { token: parsed.token, access: parsed.access === 'commander' ? 'commander' : 'reader' };
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

/**
 * Finds out what a token may do by what works: reading KPIs (every reader), then a command on
 * an incident id that cannot exist, which a wall token gets "forbidden" for and a commanding
 * token "unknown_incident". Throws ApiError when the token may not read at all.
 */
export async function discoverAccess(token: string): Promise<Access> {
  const api = new Api(token);
  await api.get('/api/v1/kpis');
  try {
    await api.request('POST', '/api/v1/incidents/access-probe/ack');
    return 'commander';
  } catch (error) {
    if (error instanceof ApiError && error.code === 'forbidden') return 'reader';
    if (error instanceof ApiError && error.status === 404) return 'commander';
    throw error;
  }
}
