import type { Context } from 'hono';
import { replicaUrls } from '#shared/db/client';
import type { AppEnv } from '../app-env';
import { existingShow } from '../catalog/shows';
import { bumpGeneration } from './generation';
import { clearMemoryCache } from './memory';

/** What a catalogue write touched: every cached read that shows one of these must be refreshed. */
export interface CatalogChange {
  artistId?: string | null;
  showId?: string | null;
  venueId?: string | null;
}

/**
 * With read replicas, a read that starts right after the write may still get the old row from a replica that
 * has not replayed it yet, and cache it under the new generation. The generation is replaced once more after
 * this long, so such a copy lives this long at most instead of RESPONSE_CACHE_FRESH_SECONDS.
 */
export const REPLICA_LAG_GRACE_MS = 2000;

/**
 * Called after every successful catalogue write (admin artist, song, venue and show writes), after the audit
 * entry: makes every cached anonymous answer of this location stale at once, by replacing the catalogue
 * generation that L1 and L2 copies must carry to be served (cache/generation.ts explains why one generation for
 * the whole catalogue rather than one per entity: `change` is logged, not used for targeting). This isolate's L1
 * is emptied too; other isolates drop theirs on their next read, when they see the new generation.
 *
 * Not called for fans' activity: votes, setlist additions and follows change counts that cached pages carry
 * (a show's persisted top songs, an artist's follower count, trending scores), but those are already behind the
 * live ones by design (the live counts are the room's, over its WebSocket), and dropping the whole cache on every
 * vote would leave nothing cached when it matters most. They show up within RESPONSE_CACHE_FRESH_SECONDS.
 *
 * A failure here does not fail the write (it is committed): it is logged, and answers then age out normally.
 */
export async function invalidateCatalog(c: Context<AppEnv>, change: CatalogChange): Promise<void> {
  const origin = new URL(c.req.url).origin;
  const log = c.get('log');
  clearMemoryCache();
  try {
    const generation = await bumpGeneration(caches.default, origin);
    log?.info('catalog cache invalidated', { ...change, generation });
  } catch (err) {
    log?.error('catalog cache invalidation failed: cached reads may be stale for RESPONSE_CACHE_FRESH_SECONDS', {
      ...change,
      err,
    });
    return;
  }
  if (replicaUrls(c.env).length === 0) return;
  let ctx: { waitUntil(promise: Promise<unknown>): void };
  try {
    ctx = c.executionCtx;
  } catch {
    return; // No execution context (app.request() without one): nothing would keep the second bump alive.
  }
  const sleep = new Promise((resolve) => setTimeout(resolve, REPLICA_LAG_GRACE_MS));
  ctx.waitUntil(
    sleep
      .then(() => bumpGeneration(caches.default, origin))
      .then(
        () => {},
        (err: unknown) => log?.warn('catalog cache: second invalidation failed', { ...change, err }),
      ),
  );
}

/**
 * invalidateCatalog for a change to one show (its actual setlist, which the show detail carries, or its status,
 * which moves it in its artist's and venue's lists); 404 when there is no such show.
 */
export async function invalidateShow(c: Context<AppEnv>, showId: string): Promise<void> {
  await invalidateCatalog(c, { showId, ...(await existingShow(c.var.database.db, showId)) });
}
