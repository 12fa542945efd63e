/**
 * Imports from the music providers (docs/ingestion.md). One row per import job; the job runs as a chain of
 * queue steps, and each step records itself in `progress.steps` in the same transaction as its writes, so a
 * redelivered step is recognised and skipped.
 */
import { sql } from 'drizzle-orm';
import { index, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { artists, users } from './schema';

export const importStatus = pgEnum('import_status', ['queued', 'running', 'done', 'failed']);

export const imports = pgTable(
  'imports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** What to import: `{ "artistName": … }` or `{ "spotifyId": … }`. */
    request: jsonb('request').notNull(),
    status: importStatus('status').notNull().default('queued'),
    /** Set once the artist is resolved. */
    artistId: uuid('artist_id').references(() => artists.id, { onDelete: 'set null' }),
    /** Counters per phase and the steps done: see src/shared/schemas/ingest.ts ImportProgress. */
    progress: jsonb('progress').notNull().default(sql`'{}'::jsonb`),
    error: text('error'),
    /** Who asked (null for the cron's refreshes). */
    requestedBy: uuid('requested_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('imports_created_at_idx').on(t.createdAt.desc().nullsFirst()),
    index('imports_artist_idx').on(t.artistId, t.createdAt.desc().nullsFirst()),
  ],
);

export type Import = typeof imports.$inferSelect;
