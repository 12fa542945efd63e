import { and, asc, desc, eq, gte, lt, or, sql } from 'drizzle-orm';
import type { Database } from '#shared/db/client';
import { setlistSongs, shows, trendingScores } from '#shared/db/schema';
import type { Logger } from '#shared/log';
import { DAY_MS } from '#shared/time';

/**
 * Cache warming, run by the trending cron right after the recompute: the pages everyone opens are rendered once
 * by the cron instead of by the first visitor, and their L2 copies (the outage fallback too) are current.
 *
 * The requests go through the app in-process (`app.fetch`), so they take exactly the path of an anonymous
 * visitor's GET and fill the same L2 entries (keyed by URL: hence PUBLIC_API_ORIGIN, the origin visitors use).
 * Limits worth knowing: the Cache API is per Cloudflare location, and a cron runs in one location, so the
 * warmed copies serve that location; a copy is served fresh for RESPONSE_CACHE_FRESH_SECONDS and kept as the
 * outage fallback for RESPONSE_CACHE_STALE_SECONDS.
 */

/** At most this many requests per run. */
export const WARM_MAX_REQUESTS = 50;
/** Requests in flight at once, so that warming never takes many database connections. */
export const WARM_CONCURRENCY = 4;
/** The shows warmed are those starting within this many days (and the live ones). */
export const WARM_DAYS_AHEAD = 7;
/** Trending and the trending list, exactly as clients request them (the URL is the cache key). */
export const WARM_FIXED_PATHS = [
  '/v1/trending/shows',
  '/v1/trending/artists',
  '/v1/shows?sort=trending&limit=20',
] as const;

/** The warming requests, so that routes can tell them from visitors (views are not counted for trending). */
const warmingRequests = new WeakSet<Request>();
export const isWarmingRequest = (request: Request): boolean => warmingRequests.has(request);

/**
 * The busiest shows of the coming week: live ones and upcoming ones starting within WARM_DAYS_AHEAD days, by
 * persisted votes (the sum of their setlist's vote counts), then trending score, then start time.
 */
export async function busiestUpcomingShows(db: Database, now: Date, limit: number): Promise<string[]> {
  if (limit <= 0) return [];
  const votes = sql<number>`coalesce(sum(${setlistSongs.voteCount}), 0)`;
  const score = sql<number>`coalesce(max(${trendingScores.score}), 0)`;
  const rows = await db
    .select({ id: shows.id })
    .from(shows)
    .leftJoin(setlistSongs, eq(setlistSongs.showId, shows.id))
    .leftJoin(trendingScores, and(eq(trendingScores.entityType, 'show'), eq(trendingScores.entityId, shows.id)))
    .where(
      or(
        eq(shows.status, 'live'),
        and(
          eq(shows.status, 'upcoming'),
          gte(shows.startsAt, now),
          lt(shows.startsAt, new Date(now.getTime() + WARM_DAYS_AHEAD * DAY_MS)),
        ),
      ),
    )
    .groupBy(shows.id)
    .orderBy(desc(votes), desc(score), asc(shows.startsAt), asc(shows.id))
    .limit(limit);
  return rows.map((row) => row.id);
}

export interface WarmResult {
  /** Requests made. */
  requested: number;
  /** Answered 2xx and rendered by the route (stored). */
  warmed: number;
  /** Answered 2xx from a copy that was still fresh. */
  alreadyFresh: number;
  /** Anything else (an error, a stale copy during an outage). */
  failed: number;
}

/**
 * Requests the trending pages and the busiest shows' pages (`/v1/shows/{id}`) through `fetch` (the app), at
 * most WARM_MAX_REQUESTS, WARM_CONCURRENCY at a time.
 */
export async function warmCache(opts: {
  origin: string;
  fetch: (request: Request) => Promise<Response>;
  db: Database;
  log: Logger;
  now?: Date;
}): Promise<WarmResult> {
  const origin = new URL(opts.origin).origin;
  const showIds = await busiestUpcomingShows(
    opts.db,
    opts.now ?? new Date(),
    WARM_MAX_REQUESTS - WARM_FIXED_PATHS.length,
  );
  const paths = [...WARM_FIXED_PATHS, ...showIds.map((id) => `/v1/shows/${id}`)].slice(0, WARM_MAX_REQUESTS);
  const result: WarmResult = { requested: paths.length, warmed: 0, alreadyFresh: 0, failed: 0 };
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const path = paths[next++]!;
      const request = new Request(`${origin}${path}`, { method: 'GET' });
      warmingRequests.add(request);
      try {
        const res = await opts.fetch(request);
        await res.body?.cancel();
        const how = res.headers.get('X-Cache');
        if (res.ok && how === 'MISS') result.warmed++;
        else if (res.ok && how?.startsWith('HIT')) result.alreadyFresh++;
        else {
          result.failed++;
          opts.log.warn('cache warming: not stored', { path, status: res.status, cache: how });
        }
      } catch (err) {
        result.failed++;
        opts.log.warn('cache warming: request failed', { path, err });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(WARM_CONCURRENCY, paths.length) }, worker));
  return result;
}
