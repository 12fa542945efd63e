/**
 * The actual setlist, the prediction's score and the leaderboards, on the wire (HTTP and the room).
 * See docs/scoring.md for what the numbers mean.
 */
import { z } from 'zod';
import { PageQuery, Uuid } from './common';

/** One song of the actual setlist as the room and the API show it. */
export const PlayedEntry = z
  .object({
    /** 1-based play order. */
    position: z.number().int().min(1),
    /** null for a song outside the artist's catalogue (a cover, an unreleased song). */
    songId: Uuid.nullable(),
    title: z.string(),
  })
  .meta({ id: 'PlayedEntry' });
export type PlayedEntry = z.infer<typeof PlayedEntry>;

/** A played song with its entry on the predicted setlist, when fans had put it there. */
export const PlayedSong = PlayedEntry.extend({
  setlistSongId: Uuid.nullable(),
  playedAt: z.string(),
}).meta({ id: 'PlayedSong' });
export type PlayedSong = z.infer<typeof PlayedSong>;

export const ActualSetlistState = z.enum(['none', 'live', 'final']).meta({ id: 'ActualSetlistState' });

export const ActualSetlistView = z
  .object({
    showId: Uuid,
    /** none: nothing played yet; live: being entered during the show; final: complete, the show is scored. */
    state: ActualSetlistState,
    source: z.enum(['moderator', 'setlistfm']).nullable(),
    finalizedAt: z.string().nullable(),
    songs: z.array(PlayedSong),
  })
  .meta({ id: 'ActualSetlist' });
export type ActualSetlistView = z.infer<typeof ActualSetlistView>;

/**
 * The actual setlist inside the show detail (GET /shows/{idOrSlug}), with its revision: bumped by every change
 * (a song marked or undone, a finalisation), the same number the show's room keeps, so a client can tell which
 * of two copies is newer.
 */
export const ShowActualSetlist = ActualSetlistView.extend({ revision: z.number().int() }).meta({
  id: 'ShowActualSetlist',
});
export type ShowActualSetlist = z.infer<typeof ShowActualSetlist>;

/** `POST /shows/{showId}/played`: a catalogue song by id, or any song by title (matched to the catalogue when it can be). */
export const MarkPlayedBody = z
  .object({
    songId: Uuid.optional(),
    title: z.string().trim().min(1).max(200).optional(),
  })
  .refine((b) => (b.songId === undefined) !== (b.title === undefined), {
    message: 'Send exactly one of songId or title.',
    path: ['songId'],
  })
  .meta({ id: 'MarkPlayedBody' });
export type MarkPlayedBody = z.infer<typeof MarkPlayedBody>;

/** The score of a show's prediction (docs/scoring.md). */
export const PredictionScore = z
  .object({
    /** How many of the most voted songs were compared: the number of songs played. */
    topN: z.number().int().min(0),
    /** Songs of the top N that were played. */
    hits: z.number().int().min(0),
    played: z.number().int().min(0),
    /** hits / number of songs in the top N (fewer than N when fewer songs got votes). */
    precision: z.number().min(0).max(1),
    /** hits / played. */
    recall: z.number().min(0).max(1),
    /** 0..1: how close each hit's vote rank was to its play position. */
    positionBonus: z.number().min(0).max(1),
    /** 0..100: 80 × F1(precision, recall) + 20 × positionBonus. */
    score: z.number().min(0).max(100),
  })
  .meta({ id: 'PredictionScore' });
export type PredictionScore = z.infer<typeof PredictionScore>;

export const PredictionDetail = z
  .object({
    /** The top N in vote order: rank (1-based), votes, and the play position when it was played. */
    predicted: z.array(
      z.object({
        rank: z.number().int(),
        songId: Uuid,
        title: z.string(),
        votes: z.number().int(),
        playedAt: z.number().int().nullable(),
      }),
    ),
    /** The actual setlist: position and the song's vote rank among all voted songs (null: not voted for / not in the top N). */
    played: z.array(
      z.object({
        position: z.number().int(),
        songId: Uuid.nullable(),
        title: z.string(),
        rank: z.number().int().nullable(),
      }),
    ),
  })
  .meta({ id: 'PredictionDetail' });
export type PredictionDetail = z.infer<typeof PredictionDetail>;

export const ShowAccuracyView = PredictionScore.extend({
  showId: Uuid,
  /** How many fans earned a score row (voted at least once), and the points they earned together. */
  fans: z.number().int().min(0),
  pointsAwarded: z.number().int().min(0),
  computedAt: z.string(),
  details: PredictionDetail,
}).meta({ id: 'ShowAccuracy' });
export type ShowAccuracyView = z.infer<typeof ShowAccuracyView>;

export const LeaderboardPeriod = z.enum(['week', 'month', 'year', 'all']).meta({ id: 'LeaderboardPeriod' });
export type LeaderboardPeriod = z.infer<typeof LeaderboardPeriod>;

export const LeaderboardQuery = PageQuery.extend({
  period: LeaderboardPeriod.default('all').describe(
    'Shows that started in this calendar week (from Monday), month or year, in UTC; or ever.',
  ),
});
export type LeaderboardQuery = z.infer<typeof LeaderboardQuery>;

export const LeaderboardEntry = z
  .object({
    /** Standard competition rank (1, 2, 2, 4): fans with equal points share a rank. */
    rank: z.number().int().min(1),
    user: z.object({ id: Uuid, displayName: z.string() }),
    points: z.number().int(),
    shows: z.number().int(),
    songsHit: z.number().int(),
  })
  .meta({ id: 'LeaderboardEntry' });
export type LeaderboardEntry = z.infer<typeof LeaderboardEntry>;

export const Leaderboard = z
  .object({
    period: LeaderboardPeriod,
    /** Set on an artist's leaderboard. */
    artistId: Uuid.optional(),
    items: z.array(LeaderboardEntry),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'Leaderboard' });
export type Leaderboard = z.infer<typeof Leaderboard>;
