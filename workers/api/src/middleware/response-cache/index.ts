import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { nonNegativeVar } from '#shared/env-vars';
import type { AppEnv } from '../../app-env';
import { ifNoneMatch, strongEtag } from '../../cache/etag';
import { readGeneration } from '../../cache/generation';
import { type MemoryEntry, memoryCache } from '../../cache/memory';
import { findDatabaseUnavailable } from '../../resilience/database-breaker';
import { isCacheable, isPersonal } from './cacheable';

export const DEFAULT_FRESH_SECONDS = 15;
export const DEFAULT_STALE_SECONDS = 3600;

/** Internal headers of an L2 copy; never sent to clients. */
const STORED_AT = 'X-Stored-At';
const GENERATION = 'X-Cache-Generation';
const ORIGIN_CACHE_CONTROL = 'X-Origin-Cache-Control';
/** Headers the Cache API adds to what it returns, or that belong to the moment of sending: not replayed. */
const NOT_REPLAYED = new Set([
  'cf-cache-status',
  'age',
  'date',
  'content-length',
  STORED_AT.toLowerCase(),
  GENERATION.toLowerCase(),
  ORIGIN_CACHE_CONTROL.toLowerCase(),
]);

/**
 * A shared answer is the anonymous one: the same URL with a token or a cookie may answer differently (a setlist
 * with `myVotes`), so a browser must not reuse the anonymous copy once it sends credentials.
 */
const VARY = 'Authorization, Cookie';

export interface ResponseCacheOptions {
  /** The L2 cache; `caches.default` by default. */
  cache?: () => Cache | Promise<Cache>;
  /** The media type of the answers worth sharing: `application/json` (the API) by default, `text/html` for pages. */
  contentType?: string;
}

type Served = 'HIT-L1' | 'HIT-L2' | 'STALE';

function isStorable(res: Response, contentType: string): boolean {
  const cacheControl = res.headers.get('Cache-Control') ?? '';
  return (
    res.status >= 200 &&
    res.status < 300 &&
    (res.headers.get('Content-Type') ?? '').includes(contentType) &&
    !res.headers.has('Set-Cookie') &&
    !/no-store|private/i.test(cacheControl)
  );
}

/**
 * L3, what browsers and CDNs may do with a shared answer: reuse it while it is fresh here, and show it once more
 * while revalidating for as long again (so a client copy is at most 2 × RESPONSE_CACHE_FRESH_SECONDS old), then
 * revalidate with If-None-Match. Without a freshness window (tests), store but always revalidate.
 */
export const publicCacheControl = (freshSeconds: number) =>
  freshSeconds > 0
    ? `public, max-age=${Math.floor(freshSeconds)}, stale-while-revalidate=${Math.floor(freshSeconds)}`
    : 'public, no-cache';

/** The route's own headers of an answer, to replay: CORS belongs to each request (corsPolicy adds it). */
function ownHeaders(headers: Headers): [string, string][] {
  return [...headers].filter(
    ([name]) => !name.startsWith('access-control-') && !NOT_REPLAYED.has(name) && name !== 'etag',
  );
}

/** The L2 copy: kept for `staleSeconds` (Cache API expiry), stamped with when and under which generation it was rendered. */
function toStored(copy: MemoryEntry, staleSeconds: number): Response {
  const stored = new Response(copy.body, { status: copy.status, headers: copy.headers });
  const origin = stored.headers.get('Cache-Control');
  if (origin) stored.headers.set(ORIGIN_CACHE_CONTROL, origin);
  stored.headers.set('Cache-Control', `public, max-age=${Math.ceil(staleSeconds)}`);
  stored.headers.set('ETag', copy.etag);
  stored.headers.set(STORED_AT, String(copy.storedAt));
  stored.headers.set(GENERATION, copy.generation);
  return stored;
}

/** An L2 copy read back (copies stored before ETags existed get theirs now). */
async function fromStored(stored: Response, storedAt: number): Promise<MemoryEntry> {
  const body = new Uint8Array(await stored.arrayBuffer());
  const headers = new Headers(ownHeaders(stored.headers));
  headers.delete('Cache-Control');
  const origin = stored.headers.get(ORIGIN_CACHE_CONTROL);
  if (origin) headers.set('Cache-Control', origin);
  return {
    generation: stored.headers.get(GENERATION) ?? '',
    storedAt,
    status: stored.status,
    headers: [...headers],
    body,
    etag: stored.headers.get('ETag') ?? (await strongEtag(body)),
  };
}

/** A 304 for `res`: its validators and caching headers, no body. */
function notModified(res: Response): Response {
  const headers = new Headers(res.headers);
  for (const name of ['Content-Type', 'Content-Length', 'Content-Encoding']) headers.delete(name);
  return new Response(null, { status: 304, headers });
}

/** A copy as the client sees it, with its age and how it was served; 304 when the client already has it. */
function serve(c: Context<AppEnv>, copy: MemoryEntry, how: Served, freshSeconds: number): Response {
  const ageSeconds = Math.max(0, Math.floor((Date.now() - copy.storedAt) / 1000));
  const res = new Response(copy.body, { status: copy.status, headers: copy.headers });
  // A stale copy (the database is down) is shown, never kept: the client asks again next time.
  if (how === 'STALE') res.headers.set('Cache-Control', 'no-cache');
  else if (!res.headers.has('Cache-Control')) res.headers.set('Cache-Control', publicCacheControl(freshSeconds));
  res.headers.set('ETag', copy.etag);
  res.headers.append('Vary', VARY);
  res.headers.set('Age', String(ageSeconds));
  res.headers.set('X-Cache', how);
  const ttl = Math.floor(freshSeconds - ageSeconds);
  res.headers.set(
    'Cache-Status',
    how === 'STALE'
      ? `mysetlist; hit; ttl=${ttl}; detail=database-unavailable`
      : how === 'HIT-L1'
        ? `mysetlist; hit; ttl=${ttl}; detail=memory`
        : `mysetlist; hit; ttl=${ttl}`,
  );
  if (how === 'STALE') res.headers.set('Warning', '110 - "Response is Stale"');
  return ifNoneMatch(c.req.header('If-None-Match'), copy.etag) ? notModified(res) : res;
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
 * The read path's caches for anonymous GETs, in front of the route:
 *
 * - L1, this isolate's memory (cache/memory.ts): `X-Cache: HIT-L1`.
 * - L2, the Workers Cache API (this location, keyed by URL): `X-Cache: HIT-L2`; an L2 hit also fills L1.
 * - L3, the client's and any CDN's cache: every shared answer carries `Cache-Control: public, max-age=<fresh>,
 *   stale-while-revalidate=<fresh>`, `Vary: Authorization, Cookie` and a strong ETag (SHA-256 of the body);
 *   `If-None-Match` with it is answered 304 without a body, whichever layer answered (`X-Cache: MISS` too).
 *
 * A 2xx JSON answer is reused for `RESPONSE_CACHE_FRESH_SECONDS` (default 15) without asking the route, as long
 * as it was rendered under the current catalogue generation (cache/generation.ts: a catalogue write replaces it,
 * so no layer serves an answer older than the last write made at this location). L2 keeps each copy for
 * `RESPONSE_CACHE_STALE_SECONDS` (default 3600) as a fallback: when the route fails because the database is
 * unavailable, the stale copy is served with `X-Cache: STALE` (plus `Age`, `Cache-Status` and `Warning: 110`)
 * instead of the 503, whatever its generation. Answers tied to a caller, with cookies, or marked private/no-store
 * are never stored; answers to requests with a token or a cookie get `Cache-Control: private, no-store`, other
 * unshared ones `no-store`, unless the route chose its own.
 *
 * Mount it after the rate limiter, so that hits are counted and carry their own RateLimit headers; the
 * stored copy holds only the route's own headers (X-Request-Id and the like are added outside).
 */
export const responseCache = (options: ResponseCacheOptions = {}) =>
  createMiddleware<AppEnv>(async function responseCache(c, next) {
    if (!isCacheable(c)) {
      await next();
      // 101: the socket's response, whose headers are the room's.
      if (c.res.status !== 101 && !c.res.headers.has('Cache-Control'))
        c.header('Cache-Control', isPersonal(c) ? 'private, no-store' : 'no-store');
      return;
    }
    const freshSeconds = nonNegativeVar(c.env.RESPONSE_CACHE_FRESH_SECONDS, DEFAULT_FRESH_SECONDS);
    const staleSeconds = nonNegativeVar(c.env.RESPONSE_CACHE_STALE_SECONDS, DEFAULT_STALE_SECONDS);
    const cache = await (options.cache?.() ?? caches.default);
    const url = c.req.url;
    const key = new Request(url, { method: 'GET' });
    const log = c.get('log');

    // The generation matters only for fresh hits: without a freshness window every read reaches the route.
    let generation = '';
    if (freshSeconds > 0) {
      try {
        const current = await readGeneration(cache, new URL(url).origin);
        generation = current.generation;
        if (current.pending) await later(c, current.pending);
      } catch (err) {
        log?.warn('response cache: generation unreadable, not serving from the cache', { err });
      }
    }
    const freshFor = (storedAt: number) => freshSeconds * 1000 - (Date.now() - storedAt);

    if (generation) {
      const entry = memoryCache.get(url, generation);
      if (entry && freshFor(entry.storedAt) > 0) {
        c.get('readLimit')?.cached();
        c.res = serve(c, entry, 'HIT-L1', freshSeconds);
        return;
      }
    }

    let stored: Response | undefined;
    try {
      stored = await cache.match(key);
    } catch (err) {
      log?.warn('response cache: read failed', { err });
    }
    const storedAt = Number(stored?.headers.get(STORED_AT));
    const ageMs = stored && Number.isFinite(storedAt) ? Math.max(0, Date.now() - storedAt) : Infinity;
    if (stored && generation && stored.headers.get(GENERATION) === generation && freshFor(storedAt) > 0) {
      const copy = await fromStored(stored, storedAt);
      memoryCache.set(url, copy, freshFor(storedAt));
      c.get('readLimit')?.cached();
      c.res = serve(c, copy, 'HIT-L2', freshSeconds);
      return;
    }

    await c.get('readLimit')?.uncached();
    await next();

    if (c.error && findDatabaseUnavailable(c.error)) {
      if (stored && ageMs < staleSeconds * 1000) {
        log?.info('response cache: database unavailable, serving a stale copy', {
          ageSeconds: Math.floor(ageMs / 1000),
        });
        const copy = await fromStored(stored, storedAt);
        // Assigning over the error response merges its headers into the stale copy: keep those that outer
        // middleware set before the route ran (CORS, Vary), drop the error's own.
        c.res.headers.delete('Retry-After');
        c.res.headers.delete('Content-Length');
        c.res = serve(c, copy, 'STALE', freshSeconds);
      } else if (!c.res.headers.has('Cache-Control')) {
        c.header('Cache-Control', 'no-store');
      }
      return;
    }
    // The outdated copy is not needed any more: release its body.
    await stored?.body?.cancel().catch(() => {});
    if (!isStorable(c.res, options.contentType ?? 'application/json')) {
      if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
      return;
    }

    const body = new Uint8Array(await c.res.clone().arrayBuffer());
    const copy: MemoryEntry = {
      generation,
      storedAt: Date.now(),
      status: c.res.status,
      headers: ownHeaders(c.res.headers),
      body,
      etag: await strongEtag(body),
    };
    if (generation) memoryCache.set(url, copy, freshSeconds * 1000);
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', publicCacheControl(freshSeconds));
    c.header('ETag', copy.etag);
    c.header('Vary', VARY, { append: true });
    c.header('X-Cache', 'MISS');
    c.header('Cache-Status', 'mysetlist; fwd=uri-miss; stored');
    const pending = later(c, cache.put(key, toStored(copy, staleSeconds)));
    if (ifNoneMatch(c.req.header('If-None-Match'), copy.etag)) {
      c.res = notModified(c.res);
      c.res.headers.delete('Content-Type');
      c.res.headers.delete('Content-Length');
    }
    if (pending) await pending;
  });
