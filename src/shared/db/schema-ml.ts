/**
 * Machine-learning area: precomputed item-to-item similarity (docs/ml.md). Written by the api worker's hourly
 * cron (workers/api/src/recommend/similarity.ts); read by GET /v1/artists/{idOrSlug}/similar and
 * GET /v1/me/recommendations, which are then indexed lookups only.
 */
import { sql } from 'drizzle-orm';
import { check, doublePrecision, index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { belongsTo, writtenAt } from './columns';
import { artists } from './schema';

/**
 * The top-K most similar artists of each artist, best first (`rank` 1..K). `fan_score` is the cosine similarity of
 * the two artists' fan sets (a fan follows the artist or has an active vote on one of its shows), `genre_score`
 * the Jaccard index of their genres, `score` = 0.7 × fan_score + 0.3 × genre_score.
 */
export const artistSimilarity = pgTable(
  'artist_similarity',
  {
    artistId: belongsTo('artist_id', () => artists.id),
    similarArtistId: belongsTo('similar_artist_id', () => artists.id),
    rank: integer('rank').notNull(),
    score: doublePrecision('score').notNull(),
    fanScore: doublePrecision('fan_score').notNull(),
    genreScore: doublePrecision('genre_score').notNull(),
    sharedFans: integer('shared_fans').notNull(),
    sharedGenres: text('shared_genres').array().notNull(),
    computedAt: writtenAt('computed_at'),
  },
  (t) => [
    primaryKey({ columns: [t.artistId, t.similarArtistId] }),
    // The read path: one artist's list in rank order (similar artists, recommendations' seeds).
    index('artist_similarity_rank_idx').on(t.artistId, t.rank),
    check('artist_similarity_not_self', sql`${t.artistId} <> ${t.similarArtistId}`),
  ],
);

export type ArtistSimilarity = typeof artistSimilarity.$inferSelect;
