import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../app-env';
import { findDatabaseUnavailable } from '../../resilience/database-breaker';

export const DEFAULT_FRESH_SECONDS = 15;
export const DEFAULT_STALE_SECONDS = 3600;

/** Internal headers of a stored copy; never sent to clients. */
const STORED_AT = 'X-Stored-At';
const ORIGIN_CACHE_CONTROL = 'X-Origin-Cache-Control';

export interface ResponseCacheOptions {
  /** The cache to use; `caches.default` by default. */
  cache?: () => Cache | Promise<Cache>;
}

const positive = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return value && Number.isFinite(n) && n >= 0 ? n : fallback;
};

/** Anonymous, plain GETs only: anything tied to a caller (a token, a cookie) or an upgrade is never shared. */
function isCacheable(c: Context<AppEnv>): boolean {
  return (
    c.req.method === 'GET' &&
    !c.req.header('Authorization') &&
    !c.req.header('Cookie') &&
    !c.req.header('Upgrade') &&
    !c.get('caller')
  );
}

function isStorable(res: Response): boolean {
  const cacheControl = res.headers.get('Cache-Control') ?? '';
  return (
    res.status >= 200 &&
    res.status < 300 &&
    (res.headers.get('Content-Type') ?? '').includes('application/json') &&
    !res.headers.has('Set-Cookie') &&
    !/no-store|private/i.test(cacheControl)
  );
}

/** A copy for the cache: kept for `staleSeconds` (Cache API expiry), stamped with when it was stored. */
function toStored(res: Response, staleSeconds: number, now: number): Response {
  const stored = new Response(res.body, res);
  // CORS headers belong to the request that stored the copy; each request gets its own from corsPolicy.
  for (const name of [...stored.headers.keys()]) if (name.startsWith('access-control-')) stored.headers.delete(name);
  const origin = stored.headers.get('Cache-Control');
  if (origin) stored.headers.set(ORIGIN_CACHE_CONTROL, origin);
  stored.headers.set('Cache-Control', `public, max-age=${Math.ceil(staleSeconds)}`);
  stored.headers.set(STORED_AT, String(now));
  return stored;
}

/** The stored copy as the client sees it, with its age and how it was served. */
function fromStored(stored: Response, ageSeconds: number, freshSeconds: number, how: 'HIT' | 'STALE'): Response {
  const res = new Response(stored.body, stored);
  const origin = res.headers.get(ORIGIN_CACHE_CONTROL);
  if (origin) res.headers.set('Cache-Control', origin);
  else res.headers.delete('Cache-Control');
  res.headers.delete(ORIGIN_CACHE_CONTROL);
  res.headers.delete(STORED_AT);
  res.headers.set('Age', String(ageSeconds));
  res.headers.set('X-Cache', how);
  const ttl = Math.floor(freshSeconds - ageSeconds);
  res.headers.set('Cache-Status', how === 'HIT' ? `mysetlist; hit; ttl=${ttl}` : `mysetlist; hit; ttl=${ttl}; detail=database-unavailable`);
  if (how === 'STALE') res.headers.set('Warning', '110 - "Response is Stale"');
  return res;
}

function later(c: Context<AppEnv>, work: Promise<unknown>): Promise<void> | undefined {
  const settled = work.then(
    () => {},
    (err: unknown) => c.get('log')?.warn('response cache: write failed', { err }),
  );
  try {
    c.executionCtx.waitUntil(settled);
    return undefined;
  } catch {
    // No execution context (app.request() without one): finish before answering.
    return settled;
  }
}

/**
 * A read-through cache for anonymous GETs (Workers Cache API, keyed by URL). A 2xx JSON answer is stored
 * and reused for `RESPONSE_CACHE_FRESH_SECONDS` (default 15) without asking the route (`X-Cache: HIT`); it
 * is kept for `RESPONSE_CACHE_STALE_SECONDS` (default 3600) as a fallback: when the route fails because the
 * database is unavailable, the stale copy is served with `X-Cache: STALE` (plus `Age`, `Cache-Status` and
 * `Warning: 110`) instead of the 503. Responses tied to a caller, with cookies, or marked private/no-store
 * are never stored.
 *
 * Mount it after the rate limiter, so that hits are counted and carry their own RateLimit headers; the
 * stored copy holds only the route's own headers (X-Request-Id and the like are added outside).
 */
export const responseCache = (options: ResponseCacheOptions = {}) =>
  createMiddleware<AppEnv>(async function responseCache(c, next) {
    if (!isCacheable(c)) return next();
    const freshSeconds = positive(c.env.RESPONSE_CACHE_FRESH_SECONDS, DEFAULT_FRESH_SECONDS);
    const staleSeconds = positive(c.env.RESPONSE_CACHE_STALE_SECONDS, DEFAULT_STALE_SECONDS);
    const cache = await (options.cache?.() ?? caches.default);
    const key = new Request(c.req.url, { method: 'GET' });

    let stored: Response | undefined;
    try {
      stored = await cache.match(key);
    } catch (err) {
      c.get('log')?.warn('response cache: read failed', { err });
    }
    const storedAt = Number(stored?.headers.get(STORED_AT));
    const ageSeconds = stored && Number.isFinite(storedAt) ? Math.max(0, Math.floor((Date.now() - storedAt) / 1000)) : Infinity;
    if (stored && ageSeconds < freshSeconds) {
      c.res = fromStored(stored, ageSeconds, freshSeconds, 'HIT');
      return;
    }

    await next();

    if (c.error && findDatabaseUnavailable(c.error)) {
      if (stored && ageSeconds < staleSeconds) {
        c.get('log')?.info('response cache: database unavailable, serving a stale copy', { ageSeconds });
        // Assigning over the error response merges its headers into the stale copy: keep those that outer
        // middleware set before the route ran (CORS, Vary), drop the error's own.
        c.res.headers.delete('Retry-After');
        c.res.headers.delete('Content-Length');
        c.res = fromStored(stored, ageSeconds, freshSeconds, 'STALE');
      }
      return;
    }
    if (!isStorable(c.res)) return;
    const copy = toStored(c.res.clone(), staleSeconds, Date.now());
    c.header('X-Cache', 'MISS');
    c.header('Cache-Status', 'mysetlist; fwd=uri-miss; stored');
    const pending = later(c, cache.put(key, copy));
    if (pending) await pending;
  });
