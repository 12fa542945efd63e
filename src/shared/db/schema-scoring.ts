/**
 * Scoring's own tables (the contract tables it fills are in schema-setlist.ts).
 */
import { sql } from 'drizzle-orm';
import { index, integer, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './schema';

/**
 * Every fan's all-time totals over fan_scores, kept by finalisation in the same transaction, so the all-time
 * leaderboard walks an index instead of summing every fan_scores row (db:explain-style measurement in
 * docs/scoring.md: 213 ms for 300,000 rows summed on the fly). Rows of fans whose every score was removed stay
 * with shows = 0 and are not listed.
 */
export const fanTotals = pgTable(
  'fan_totals',
  {
    userId: uuid('user_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    points: integer('points').notNull().default(0),
    shows: integer('shows').notNull().default(0),
    songsHit: integer('songs_hit').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // NULLS FIRST: the order an ORDER BY points DESC can walk (see schema.ts, artists_popularity_idx).
  (t) => [index('fan_totals_rank_idx').on(t.points.desc().nullsFirst(), t.userId).where(sql`${t.shows} > 0`)],
);

export type FanTotal = typeof fanTotals.$inferSelect;
