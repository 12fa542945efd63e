/**
 * Scoring's own tables (the contract tables it fills are in schema-setlist.ts).
 */
import { sql } from 'drizzle-orm';
import { date, index, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
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

/** The calendar period a rollup row sums (UTC: ISO week from Monday, month, year). */
const calendarPeriod = () => ({
  period: text('period', { enum: ['week', 'month', 'year'] }).notNull(),
  /** The period's first day (UTC). */
  periodStart: date('period_start', { mode: 'string' }).notNull(),
});

/** A fan's sums over fan_scores in one rollup's scope: what a leaderboard ranks. */
const fanTally = () => ({
  userId: belongsTo('user_id', () => users.id),
  points: integer('points').notNull(),
  shows: integer('shows').notNull(),
  songsHit: integer('songs_hit').notNull(),
  updatedAt: updatedAt(),
});

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
    ...calendarPeriod(),
    ...fanTally(),
  },
  (t) => [
    primaryKey({ columns: [t.period, t.periodStart, t.userId] }),
    index('fan_period_totals_rank_idx').on(t.period, t.periodStart, t.points.desc().nullsFirst(), t.userId),
  ],
);

export type FanPeriodTotal = typeof fanPeriodTotals.$inferSelect;

/**
 * Every fan's all-time points on one artist's shows, over fan_scores: the artist's all-time leaderboard walks
 * one artist's rows in rank order instead of summing the artist's scores per fan on each request. Kept like
 * fan_period_totals (same transaction, recomputed from fan_scores for the show's fans and artist) and rebuilt the
 * same way. A row whose fan has no score left on the artist is deleted. No foreign key on artist_id, like
 * fan_scores.artist_id, whose copy it sums.
 */
export const fanArtistTotals = pgTable(
  'fan_artist_totals',
  {
    artistId: uuid('artist_id').notNull(),
    ...fanTally(),
  },
  (t) => [
    primaryKey({ columns: [t.artistId, t.userId] }),
    index('fan_artist_totals_rank_idx').on(t.artistId, t.points.desc().nullsFirst(), t.userId),
  ],
);

export type FanArtistTotal = typeof fanArtistTotals.$inferSelect;

/**
 * fan_period_totals per artist: a fan's points on one artist's shows per calendar period (UTC week, month,
 * year of the show's start), for the artist's week, month and year leaderboards. Kept and rebuilt with the
 * other rollups (src/shared/scoring/rollups.ts).
 */
export const fanArtistPeriodTotals = pgTable(
  'fan_artist_period_totals',
  {
    artistId: uuid('artist_id').notNull(),
    ...calendarPeriod(),
    ...fanTally(),
  },
  (t) => [
    primaryKey({ columns: [t.artistId, t.period, t.periodStart, t.userId] }),
    index('fan_artist_period_totals_rank_idx').on(
      t.artistId,
      t.period,
      t.periodStart,
      t.points.desc().nullsFirst(),
      t.userId,
    ),
  ],
);

export type FanArtistPeriodTotal = typeof fanArtistPeriodTotals.$inferSelect;
