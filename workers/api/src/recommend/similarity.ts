/**
 * Item-to-item similarity of artists, precomputed into `artist_similarity` (schema-ml.ts) by the api worker's
 * hourly cron, so that similar artists and recommendations are indexed lookups (docs/ml.md).
 *
 * A fan of an artist is a user who follows it or has an active vote on one of its shows. For two artists A, B:
 *   fan_score   = cosine of their fan sets = shared fans / sqrt(|fans A| × |fans B|) — cosine rather than a raw
 *                 count, so that a huge artist everyone likes is not "similar" to everyone;
 *   genre_score = Jaccard index of their genres, |A ∩ B| / |A ∪ B|;
 *   score       = FAN_WEIGHT × fan_score + GENRE_WEIGHT × genre_score (behaviour says more than labels; genres
 *                 alone still give a list for an artist nobody follows yet).
 * Each artist keeps its TOP_K best, ties by popularity then id. Candidates: the FAN_CANDIDATES artists sharing
 * the most fans (by fan_score) and the GENRE_CANDIDATES most popular artists sharing a genre. The ranking is
 * exact whenever an artist has at most that many of each, and otherwise only misses artists that are weak on
 * both counts; it bounds the cost of the refresh at scale (see docs/ml.md for the timing at 10k artists).
 */
import { sql } from 'drizzle-orm';
import { rowsOf, type SqlRunner } from '../db/sql-runner';

export const FAN_WEIGHT = 0.7;
export const GENRE_WEIGHT = 0.3;
/** Rows kept per artist: GET /similar serves 10; recommendations sum over a user's seeds, so more help. */
export const TOP_K = 20;
const FAN_CANDIDATES = 100;
const GENRE_CANDIDATES = 50;

export interface SimilarityRefreshResult {
  computedAt: string;
  /** Rows written (inserted or updated). */
  rows: number;
  /** Stale rows removed (pairs no longer in anyone's top K). */
  removed: number;
  elapsedMs: number;
}

/**
 * Recomputes every artist's top-K list in one statement: all parts see one snapshot; rows are upserted in key
 * order so two overlapping runs lock them in the same order, and rows no longer in a top K are deleted.
 */
export async function refreshArtistSimilarity(db: SqlRunner, now: Date = new Date()): Promise<SimilarityRefreshResult> {
  const started = Date.now();
  const at = now.toISOString();
  const rows = await rowsOf<{ rows: number; removed: number }>(
    db,
    sql`
    with fans as (
      select user_id, artist_id from follows
      union
      select v.user_id, s.artist_id from votes v join shows s on s.id = v.show_id where v.active
    ),
    fan_counts as (
      select artist_id, count(*)::float8 as n from fans group by artist_id
    ),
    co_fans as (
      select a.artist_id, b.artist_id as other_id, count(*)::int as shared
      from fans a join fans b on b.user_id = a.user_id and b.artist_id <> a.artist_id
      group by a.artist_id, b.artist_id
    ),
    fan_pairs as (
      select artist_id, other_id, shared, fan_score from (
        select c.artist_id, c.other_id, c.shared, c.shared / sqrt(fa.n * fb.n) as fan_score,
               row_number() over (partition by c.artist_id order by c.shared / sqrt(fa.n * fb.n) desc, c.other_id) as r
        from co_fans c join fan_counts fa on fa.artist_id = c.artist_id join fan_counts fb on fb.artist_id = c.other_id
      ) ranked
      where r <= ${FAN_CANDIDATES}
    ),
    genre_pairs as (
      select a.id as artist_id, g.id as other_id
      from artists a
      cross join lateral (
        select b.id from artists b
        where b.genres && a.genres and b.id <> a.id
        order by b.popularity desc, b.id desc
        limit ${GENRE_CANDIDATES}
      ) g
      where cardinality(a.genres) > 0
    ),
    candidates as (
      select artist_id, other_id from fan_pairs
      union
      select artist_id, other_id from genre_pairs
    ),
    scored as (
      select c.artist_id, c.other_id, coalesce(fp.shared, 0) as shared_fans, coalesce(fp.fan_score, 0)::float8 as fan_score,
             array(select distinct g from unnest(a.genres) g where g = any(b.genres) order by g) as shared_genres,
             (select count(distinct g) from unnest(a.genres || b.genres) g) as union_genres,
             b.popularity
      from candidates c
      join artists a on a.id = c.artist_id
      join artists b on b.id = c.other_id
      left join fan_pairs fp on fp.artist_id = c.artist_id and fp.other_id = c.other_id
    ),
    ranked as (
      select artist_id, other_id, shared_fans, shared_genres, fan_score, genre_score,
             ${FAN_WEIGHT}::float8 * fan_score + ${GENRE_WEIGHT}::float8 * genre_score as score,
             row_number() over (
               partition by artist_id
               order by ${FAN_WEIGHT}::float8 * fan_score + ${GENRE_WEIGHT}::float8 * genre_score desc, popularity desc, other_id
             )::int as rank
      from (
        select s.*, case when s.union_genres > 0 then cardinality(s.shared_genres)::float8 / s.union_genres else 0 end as genre_score
        from scored s
      ) with_genre
    ),
    top as (
      select * from ranked where rank <= ${TOP_K}
    ),
    upserted as (
      insert into artist_similarity (artist_id, similar_artist_id, rank, score, fan_score, genre_score, shared_fans, shared_genres, computed_at)
      select artist_id, other_id, rank, score, fan_score, genre_score, shared_fans, shared_genres, ${at}::timestamptz
      from top
      order by artist_id, other_id
      on conflict (artist_id, similar_artist_id) do update
        set rank = excluded.rank, score = excluded.score, fan_score = excluded.fan_score, genre_score = excluded.genre_score,
            shared_fans = excluded.shared_fans, shared_genres = excluded.shared_genres, computed_at = excluded.computed_at
      returning 1
    ),
    removed as (
      delete from artist_similarity s
      where not exists (select 1 from top t where t.artist_id = s.artist_id and t.other_id = s.similar_artist_id)
      returning 1
    )
    select (select count(*) from upserted)::int as rows, (select count(*) from removed)::int as removed`,
  );
  const row = rows[0];
  return {
    computedAt: at,
    rows: Number(row?.rows ?? 0),
    removed: Number(row?.removed ?? 0),
    elapsedMs: Date.now() - started,
  };
}
