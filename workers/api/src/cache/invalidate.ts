import type { Context } from 'hono';
import type { AppEnv } from '../app-env';

/** What a catalogue write touched: every cached read that shows one of these must be refreshed. */
export interface CatalogChange {
  artistId?: string | null;
  showId?: string | null;
  venueId?: string | null;
}

/**
 * Hook called after every successful catalogue write (admin artist, song, venue and show writes), after the
 * audit entry. A NO-OP FOR NOW: the response cache's invalidation is filled in by the caching work (until then
 * anonymous reads may be up to RESPONSE_CACHE_FRESH_SECONDS old). Keep the signature: the routes call it as is.
 */
export async function invalidateCatalog(_c: Context<AppEnv>, _change: CatalogChange): Promise<void> {
  // Intentionally empty.
}
