import { afterEach, describe, expect, it, vi } from 'vitest';
import { Api } from '../src/api';
import { NoViewAccess, fetchSession, parseSessionInfo, signInError } from '../src/session';

function answer(status: number, body: unknown) {
  return vi.fn(async () => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));
}

afterEach(() => vi.unstubAllGlobals());

describe('session', () => {
  it('reads role, permissions and districts from GET /api/v1/session', async () => {
    const fetchMock = answer(200, { name: 'demo-subcentre-yuzhong', role: 'subcentre', districts: ['500103', '500108'], mayRead: true, mayCommand: true, mayIngest: false });
    vi.stubGlobal('fetch', fetchMock);
    const session = await fetchSession('quanyu-demo-yuzhong');
    expect(session).toEqual({ token: 'quanyu-demo-yuzhong', name: 'demo-subcentre-yuzhong', role: 'subcentre', districts: ['500103', '500108'], mayRead: true, mayCommand: true, mayIngest: false });
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/session');
    expect(init.method).toBe('GET');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer quanyu-demo-yuzhong');
  });

  it('treats absent districts and permissions (proto3 defaults) as none', () => {
    expect(parseSessionInfo({ name: 'demo-wall', role: 'wall', mayRead: true })).toEqual({ name: 'demo-wall', role: 'wall', districts: [], mayRead: true, mayCommand: false, mayIngest: false });
    expect(parseSessionInfo({ name: 'x', role: 'root', mayRead: true })).toBeUndefined();
    expect(parseSessionInfo(null)).toBeUndefined();
  });

  it('refuses a feed token with a Chinese message', async () => {
    vi.stubGlobal('fetch', answer(200, { name: 'demo-feed', role: 'feed', mayIngest: true }));
    const error = await fetchSession('quanyu-demo-feed').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoViewAccess);
    expect(signInError(error)).toBe('该令牌（demo-feed）为数据接入令牌，只能上报数据，不能登录查看态势');
  });

  it('says an unknown token is invalid', async () => {
    vi.stubGlobal('fetch', answer(401, { error: { code: 'unauthorized', message: 'unknown token' } }));
    const error = await fetchSession('nope', new Api('nope')).catch((e: unknown) => e);
    expect(signInError(error)).toBe('令牌无效');
  });
});
