/**
 * The ingestion cron jobs: they only decide what to do and enqueue steps; the imports queue does the work.
 */
import { asc, isNotNull, sql } from 'drizzle-orm';
import { artists, imports } from '#shared/db/schema';
import type { ImportStep } from '#shared/schemas/ingest';
import type { IngestDb } from './context';
import { createImport } from './import-steps';
import { showsAwaitingSetlists } from './setlist-step';

/** Setlist steps for recently finished shows that have no final actual setlist yet. */
export async function setlistSteps(db: IngestDb, now: Date): Promise<ImportStep[]> {
  return (await showsAwaitingSetlists(db, now)).map((showId) => ({ v: 1, step: 'setlist', showId }));
}

/** How many artists the daily refresh re-imports (about 25 × ~40 provider calls, well inside the daily quotas). */
export const REFRESH_ARTISTS_PER_DAY = 25;

/**
 * Re-imports the artists whose last import is oldest (never-imported Spotify artists first): new releases,
 * new shows, reschedules. A refresh of a current artist changes nothing.
 */
export async function refreshSteps(db: IngestDb, limit = REFRESH_ARTISTS_PER_DAY): Promise<ImportStep[]> {
  const lastImport = sql<Date | null>`(select max(${imports.createdAt}) from ${imports} where ${imports.artistId} = ${artists.id})`;
  const stale = await db
    .select({ spotifyId: artists.spotifyId })
    .from(artists)
    .where(isNotNull(artists.spotifyId))
    .orderBy(sql`${lastImport} asc nulls first`, asc(artists.id))
    .limit(limit);
  const steps: ImportStep[] = [];
  for (const { spotifyId } of stale) {
    const row = await createImport(db, { spotifyId: spotifyId! }, null);
    steps.push({ v: 1, step: 'artist', importId: row.id });
  }
  return steps;
}
