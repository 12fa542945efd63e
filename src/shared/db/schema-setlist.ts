/**
 * What was actually played, how well the fans predicted it, and the forecast a show was measured against.
 * These tables are the contract between ingestion (setlist.fm), live moderation, scoring, notifications
 * and analytics, which are built by different parts of the system.
 */
import { sql } from 'drizzle-orm';
import {
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { belongsTo, refersTo, sharesKeyWith, timestamptz, updatedAt, writtenAt } from './columns';
import { shows, songs, users } from './schema';

export const playedSongSource = pgEnum('played_song_source', ['moderator', 'setlistfm']);

/**
 * The actual setlist, in play order. `song_id` is null when the played song is not in the artist's
 * catalogue (a cover, an unreleased song): the title is still kept, because the setlist is what happened.
 */
export const playedSongs = pgTable(
  'played_songs',
  {
    showId: belongsTo('show_id', () => shows.id),
    /** 1-based play order. */
    position: integer('position').notNull(),
    songId: refersTo('song_id', () => songs.id),
    title: text('title').notNull(),
    source: playedSongSource('source').notNull(),
    markedBy: refersTo('marked_by', () => users.id),
    playedAt: writtenAt('played_at'),
  },
  (t) => [
    primaryKey({ columns: [t.showId, t.position] }),
    uniqueIndex('played_songs_show_song_key').on(t.showId, t.songId),
    check('played_songs_position_positive', sql`${t.position} > 0`),
  ],
);

/**
 * The state of a show's actual setlist. `final` means no more songs will be added: the show is scored once
 * it becomes final. `setlistfm_version` is the setlist.fm version id that was imported, so a re-run that
 * finds the same version changes nothing.
 */
export const actualSetlistState = pgEnum('actual_setlist_state', ['live', 'final']);

export const actualSetlists = pgTable('actual_setlists', {
  showId: sharesKeyWith('show_id', () => shows.id),
  state: actualSetlistState('state').notNull().default('live'),
  source: playedSongSource('source').notNull(),
  setlistfmVersion: text('setlistfm_version'),
  finalizedAt: timestamptz('finalized_at'),
  /**
   * Bumped by every change (a song marked or undone, a finalisation), in the same transaction. The show's room
   * keeps the revision it last applied and ignores an older one, so two pushes that cross cannot roll it back.
   */
  revision: integer('revision').notNull().default(0),
  updatedAt: updatedAt(),
});

/** The prediction's score for one show (see docs/scoring.md for the metric); `details` explains it. */
export const showAccuracy = pgTable('show_accuracy', {
  showId: sharesKeyWith('show_id', () => shows.id),
  /** The N of "top-N voted songs" the score used. */
  topN: integer('top_n').notNull(),
  precision: doublePrecision('precision').notNull(),
  recall: doublePrecision('recall').notNull(),
  positionBonus: doublePrecision('position_bonus').notNull(),
  score: doublePrecision('score').notNull(),
  details: jsonb('details').notNull(),
  computedAt: writtenAt('computed_at'),
});

/** Points a fan earned at one show: the songs they voted for that were played. Leaderboards sum these. */
export const fanScores = pgTable(
  'fan_scores',
  {
    showId: belongsTo('show_id', () => shows.id),
    userId: belongsTo('user_id', () => users.id),
    artistId: uuid('artist_id').notNull(),
    points: integer('points').notNull(),
    songsHit: integer('songs_hit').notNull(),
    songsVoted: integer('songs_voted').notNull(),
    /** The show's start, so that leaderboards by period need no join. */
    showStartsAt: timestamptz('show_starts_at').notNull(),
    computedAt: writtenAt('computed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.showId, t.userId] }),
    index('fan_scores_starts_at_idx').on(t.showStartsAt, t.userId),
    index('fan_scores_artist_idx').on(t.artistId, t.userId),
    index('fan_scores_user_idx').on(t.userId),
  ],
);

/** The popularity model's latest prediction for a show (written by the forecast job, read by anomaly detection). */
export const showForecasts = pgTable('show_forecasts', {
  showId: sharesKeyWith('show_id', () => shows.id),
  predictedVotes: doublePrecision('predicted_votes').notNull(),
  /** Expected votes per minute while voting is open, derived from predicted_votes and the voting window. */
  predictedVotesPerMinute: doublePrecision('predicted_votes_per_minute').notNull(),
  modelVersion: text('model_version').notNull(),
  features: jsonb('features').notNull(),
  computedAt: writtenAt('computed_at'),
});

export type PlayedSong = typeof playedSongs.$inferSelect;
export type ActualSetlist = typeof actualSetlists.$inferSelect;
export type ShowAccuracy = typeof showAccuracy.$inferSelect;
export type FanScore = typeof fanScores.$inferSelect;
export type ShowForecast = typeof showForecasts.$inferSelect;
