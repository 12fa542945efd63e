import { Hono } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import type { AppEnv } from '../../app-env';
import { SESSION_COOKIE } from '../../auth/session-token';
import { clearMemoryCache } from '../../cache/memory';
import { DatabaseUnavailableError } from '../../resilience/database-breaker';
import { errorHandler } from '../error-handler';
import { requestContext } from '../request-context';
import { responseCache } from '.';

/** A route whose answer counts the calls, and a switch to make it fail as when the database is down. */
function appWithCache(env: { fresh: string; stale?: string }) {
  const state = { calls: 0, down: false as false | 'database' | 'bug' };
  const cacheName = `test-${crypto.randomUUID()}`;
  const app = new Hono<AppEnv>();
  app.use('*', requestContext());
  // As hono/cors does: headers set on the response before the route runs.
  app.use('*', async function corsLike(c, next) {
    const origin = c.req.header('Origin');
    if (origin) c.res.headers.set('Access-Control-Allow-Origin', origin);
    await next();
  });
  app.use('*', responseCache({ cache: () => caches.open(cacheName) }));
  app.get('/items', (c) => {
    state.calls++;
    if (state.down === 'database') throw new DatabaseUnavailableError('circuit_open', 4, 'open');
    if (state.down === 'bug') throw new TypeError('a bug');
    return c.json({ calls: state.calls });
  });
  app.get('/text', (c) => {
    state.calls++;
    return c.text('plain');
  });
  app.get('/missing', (c) => {
    state.calls++;
    return c.json({ error: { code: 'not_found' } }, 404);
  });
  app.onError(errorHandler);
  const bindings = {
    LOG_LEVEL: 'error',
    RESPONSE_CACHE_FRESH_SECONDS: env.fresh,
    RESPONSE_CACHE_STALE_SECONDS: env.stale ?? '3600',
  };
  const get = (path: string, headers: Record<string, string> = { Origin: 'https://web.test' }) =>
    app.request(`http://cache.test${path}`, { headers }, bindings);
  return { state, get };
}

describe('responseCache', () => {
  it('stores an anonymous 2xx JSON answer and serves it while fresh, without calling the route', async () => {
    const { state, get } = appWithCache({ fresh: '60' });
    const miss = await get('/items?limit=3');
    expect(miss.headers.get('X-Cache')).toBe('MISS');
    expect(await miss.json()).toEqual({ calls: 1 });
    expect(miss.headers.get('Cache-Control')).toBe('public, max-age=60, stale-while-revalidate=60');
    const hit = await get('/items?limit=3');
    expect(hit.status).toBe(200);
    expect(hit.headers.get('X-Cache')).toBe('HIT-L1');
    expect(hit.headers.get('Access-Control-Allow-Origin')).toBe('https://web.test');
    // The CORS headers of the request that stored the copy are not replayed to another.
    expect((await get('/items?limit=3', {})).headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(hit.headers.get('Age')).toBe('0');
    expect(hit.headers.get('X-Stored-At')).toBeNull();
    expect(hit.headers.get('X-Cache-Generation')).toBeNull();
    expect(hit.headers.get('Cache-Control')).toBe('public, max-age=60, stale-while-revalidate=60');
    expect(hit.headers.get('ETag')).toBe(miss.headers.get('ETag'));
    expect(hit.headers.get('X-Request-Id')).not.toBe(miss.headers.get('X-Request-Id'));
    expect(await hit.json()).toEqual({ calls: 1 });
    // Another isolate (an empty L1) finds the copy in L2.
    clearMemoryCache();
    const shared = await get('/items?limit=3');
    expect(shared.headers.get('X-Cache')).toBe('HIT-L2');
    expect(shared.headers.get('ETag')).toBe(miss.headers.get('ETag'));
    expect(shared.headers.get('CF-Cache-Status')).toBeNull();
    expect(await shared.json()).toEqual({ calls: 1 });
    // Keyed by the whole URL.
    expect(await (await get('/items?limit=4')).json()).toEqual({ calls: 2 });
    expect(state.calls).toBe(2);
  });

  it('never shares answers to requests with a token or a cookie, and never stores errors or non-JSON', async () => {
    const { state, get } = appWithCache({ fresh: '60' });
    for (const headers of [{ Authorization: 'Bearer abc' }, { Cookie: `${SESSION_COOKIE}=abc` }] as Record<
      string,
      string
    >[]) {
      await get('/items', headers);
      const again = await get('/items', headers);
      expect(again.headers.get('X-Cache')).toBeNull();
      expect(again.headers.get('Cache-Control')).toBe('private, no-store');
      expect(again.headers.get('ETag')).toBeNull();
    }
    expect(state.calls).toBe(4);
    await get('/missing');
    const missing = await get('/missing');
    expect(missing.headers.get('X-Cache')).toBeNull();
    expect(missing.headers.get('Cache-Control')).toBe('no-store');
    await get('/text');
    expect((await get('/text')).headers.get('X-Cache')).toBeNull();
    expect(state.calls).toBe(8);
  });

  it('answers If-None-Match with 304 and no body, from the route and from either layer', async () => {
    const { state, get } = appWithCache({ fresh: '60' });
    const first = await get('/items?etag');
    const etag = first.headers.get('ETag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    const notModified = await get('/items?etag', { 'If-None-Match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('X-Cache')).toBe('HIT-L1');
    expect(notModified.headers.get('ETag')).toBe(etag);
    expect(notModified.headers.get('Cache-Control')).toBe('public, max-age=60, stale-while-revalidate=60');
    expect(notModified.headers.get('Content-Type')).toBeNull();
    expect(await notModified.text()).toBe('');
    clearMemoryCache();
    const fromL2 = await get('/items?etag', { 'If-None-Match': `W/${etag}, "other"` });
    expect([fromL2.status, fromL2.headers.get('X-Cache')]).toEqual([304, 'HIT-L2']);
    // Another body, another ETag; the old one no longer matches.
    const other = await get('/items?etag=2', { 'If-None-Match': etag });
    expect(other.status).toBe(200);
    expect(other.headers.get('ETag')).not.toBe(etag);
    expect(state.calls).toBe(2);
  });

  it('answers 304 from the route as well when nothing is fresh', async () => {
    const { state, get } = appWithCache({ fresh: '0' });
    const first = await get('/items?nofresh');
    expect(first.headers.get('Cache-Control')).toBe('public, no-cache');
    state.calls = 0; // the same body again
    const again = await get('/items?nofresh', { 'If-None-Match': first.headers.get('ETag')! });
    expect([again.status, again.headers.get('X-Cache')]).toEqual([304, 'MISS']);
    expect(await again.text()).toBe('');
  });

  it('serves the stale copy when the database is unavailable, and asks the route again otherwise', async () => {
    const { state, get } = appWithCache({ fresh: '0' });
    await get('/items');
    expect((await get('/items')).headers.get('X-Cache')).toBe('MISS'); // not fresh: the route answers
    state.down = 'database';
    const stale = await get('/items');
    expect(stale.status).toBe(200);
    expect(stale.headers.get('X-Cache')).toBe('STALE');
    expect(stale.headers.get('Warning')).toBe('110 - "Response is Stale"');
    expect(stale.headers.get('Cache-Status')).toContain('detail=database-unavailable');
    expect(stale.headers.get('Retry-After')).toBeNull();
    expect(stale.headers.get('Content-Type')).toContain('application/json');
    expect(stale.headers.get('Access-Control-Allow-Origin')).toBe('https://web.test');
    expect(stale.headers.get('Cache-Control')).toBe('no-cache');
    expect(await stale.json()).toEqual({ calls: 2 });
    expect(state.calls).toBe(3);
  });

  it('answers 503 database_unavailable with Retry-After when there is no copy, or only one older than the stale window', async () => {
    const { state, get } = appWithCache({ fresh: '0', stale: '0' });
    await get('/items');
    state.down = 'database';
    const res = await get('/items');
    expect(res.status).toBe(503);
    expect(res.headers.get('Retry-After')).toBe('4');
    expect(await res.json()).toMatchObject({ error: { code: 'database_unavailable', details: { circuit: 'open' } } });
    const never = await get('/items?never-stored');
    expect(never.status).toBe(503);
  });

  it('does not hide other failures behind a stale copy', async () => {
    const { state, get } = appWithCache({ fresh: '0' });
    await get('/items');
    state.down = 'bug';
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect((await get('/items')).status).toBe(500);
    } finally {
      quiet.mockRestore();
    }
  });
});
