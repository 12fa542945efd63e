/**
 * Scoring's own tables (the contract tables it fills are in schema-setlist.ts).
 */
import { sql } from 'drizzle-orm';
import { date, index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { belongsTo, sharesKeyWith, updatedAt } from './columns';
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
    userId: sharesKeyWith('user_id', () => users.id),
    points: integer('points').notNull().default(0),
    shows: integer('shows').notNull().default(0),
    songsHit: integer('songs_hit').notNull().default(0),
    updatedAt: updatedAt(),
  },
  // NULLS FIRST: the order an ORDER BY points DESC can walk (see schema.ts, artists_popularity_idx).
  (t) => [index('fan_totals_rank_idx').on(t.points.desc().nullsFirst(), t.userId).where(sql`${t.shows} > 0`)],
);

export type FanTotal = typeof fanTotals.$inferSelect;

/**
 * Every fan's points per calendar period (UTC: ISO week from Monday, month, year) over fan_scores, by the start
 * of the show: the week, month and year leaderboards read one period's rows in rank order instead of summing
 * every score of a rolling window (the year board scanned fan_scores). Kept by finalisation in the same
 * transaction as fan_totals (src/shared/scoring/rollups.ts: the periods of the show's fans are recomputed from
 * fan_scores, never incremented) and rebuildable from fan_scores (`rebuildLeaderboardRollups`). A period row
 * whose fan has no score left in it is deleted.
 */
export const fanPeriodTotals = pgTable(
  'fan_period_totals',
  {
    period: text('period', { enum: ['week', 'month', 'year'] }).notNull(),
    /** The period's first day (UTC). */
    periodStart: date('period_start', { mode: 'string' }).notNull(),
    userId: belongsTo('user_id', () => users.id),
    points: integer('points').notNull(),
    shows: integer('shows').notNull(),
    songsHit: integer('songs_hit').notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.period, t.periodStart, t.userId] }),
    index('fan_period_totals_rank_idx').on(t.period, t.periodStart, t.points.desc().nullsFirst(), t.userId),
  ],
);

export type FanPeriodTotal = typeof fanPeriodTotals.$inferSelect;
