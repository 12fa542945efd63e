/**
 * Imports from the music providers (docs/ingestion.md). One row per import job; the job runs as a chain of
 * queue steps, and each step records itself in `progress.steps` in the same transaction as its writes, so a
 * redelivered step is recognised and skipped.
 */
import { sql } from 'drizzle-orm';
import { index, jsonb, pgEnum, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, primaryId, refersTo, timestamptz, updatedAt } from './columns';
import { artists, users } from './schema';

export const importStatus = pgEnum('import_status', ['queued', 'running', 'done', 'failed']);

export const imports = pgTable(
  'imports',
  {
    id: primaryId(),
    /** What to import: `{ "artistName": … }` or `{ "spotifyId": … }`. */
    request: jsonb('request').notNull(),
    status: importStatus('status').notNull().default('queued'),
    /** Set once the artist is resolved. */
    artistId: refersTo('artist_id', () => artists.id),
    /** Counters per phase and the steps done: see src/shared/schemas/ingest.ts ImportProgress. */
    progress: jsonb('progress').notNull().default(sql`'{}'::jsonb`),
    error: text('error'),
    /** Who asked (null for the cron's refreshes). */
    requestedBy: refersTo('requested_by', () => users.id),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: timestamptz('finished_at'),
  },
  (t) => [
    index('imports_created_at_idx').on(t.createdAt.desc().nullsFirst()),
    index('imports_artist_idx').on(t.artistId, t.createdAt.desc().nullsFirst()),
  ],
);

export type Import = typeof imports.$inferSelect;
