/**
 * Catalogue search: artists, venues, and shows found through their artist or venue. Two matchers, one ranked list.
 *
 * Trigram similarity (pg_trgm) on `search_key(text)` (migration 0004: lower case, accents removed, IMMUTABLE),
 * which the trigram GIN indexes are built on, so every condition below can use them:
 *
 * - `key % q`          similarity above pg_trgm.similarity_threshold (default 0.3): whole-name typos ("metalica");
 * - `q <% key`         word similarity above pg_trgm.word_similarity_threshold, which this query lowers from the
 *                      default 0.6 to WORD_SIMILARITY_THRESHOLD (0.45) for itself: the query close to a part of the
 *                      name ("fightres" in "Foo Fighters", "zurich" in "Zürich, Switzerland"), also one word of a
 *                      name with one letter wrong ("crstal" 0.5, "cristal" 0.45 for "Broken Crystal": at 0.6 they
 *                      found nothing);
 * - `key like 'q%'`    the name starts with the query: as-you-type prefixes ("metal", even "me").
 *
 * Full-text search (tsvector) on `search_vector(text, weight)` (migration 0020: search_key(), then the english
 * configuration's stemming, IMMUTABLE), which the full-text GIN indexes are built on: an artist's name (weight A),
 * a venue's name (A) and city (B). The query is any of its words (textQuery: `'wild' | 'ponies':*`), the last one
 * also as a prefix when it has FUZZY_MIN_LENGTH characters, so that "ponies" finds "Pony" and "concerts" finds
 * "Concert" (stemming), whatever the words' order, as you type. Its rank is ts_rank × ζ(2) capped at 1
 * (FTS_RANK_SCALE): the share of the query's words found, each counted by the weight of where it was found
 * (FTS_WEIGHTS: name 1, city 0.7).
 *
 * The trigram conditions become a BitmapOr of scans of their indexes, the full-text one a scan of its own index;
 * only the rows it finds get a ts_rank. Queries shorter than three characters (FUZZY_MIN_LENGTH) use the prefix
 * condition only: they have no trigram of their own to be similar with, hardly a word, and the other conditions
 * would only bring back hundreds of candidates to reject.
 *
 * Score, in [0, 1] (the match quality of a name):
 *   max( similarity(key, q),
 *        0.85 × word_similarity(q, key),
 *        key starts with q ? 0.9 + 0.1 × similarity(key, q) : 0,
 *        0.85 × full-text rank )
 * so an exact name scores 1, a name the query starts scores 0.9–1, a word inside a name at most 0.85.
 * A venue's trigram score is the better of its name and 0.9 × its city. A show inherits the better score of its
 * artist and its venue, or 0.85 × the sum of their full-text ranks when that is higher ("metallica zurich": the
 * show of Metallica in Zürich above the artist and its other shows), times 0.9 when it starts from yesterday on,
 * 0.8 when it is older: the artist or venue itself ranks above its shows, and upcoming shows above past ones.
 * Cancelled shows are left out.
 *
 * Results are interleaved: one list ordered by score, then the full-text rank, then artist before venue before
 * show, then the more popular artist / the show nearest in time. Each type contributes at most `limit` results,
 * from at most CANDIDATES matching artists and venues and, for each of them, its `limit` next and `limit` last
 * shows.
 */
import { type SQL, sql } from 'drizzle-orm';
import type { Database } from '#shared/db/client';
import type { SearchResult } from '#shared/schemas/search';
import { readReplica } from '../catalog/common';

/** Matching artists and venues considered (and expanded into their shows) per search. */
export const CANDIDATES = 50;

/**
 * The query as analytics stores it: what search_key() does in the database (accents off, lower case), plus
 * collapsed spaces, so "Beyoncé ", "beyonce" and "BEYONCE" count as one query.
 */
export function normalizeQuery(q: string): string {
  return q
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/ß/g, 'ss')
    .replace(/[Ææ]/g, 'ae')
    .replace(/[Œœ]/g, 'oe')
    .replace(/[Øø]/g, 'o')
    .replace(/[Łł]/g, 'l')
    .replace(/[Đđ]/g, 'd')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** A LIKE pattern matching what starts with `text`: its own `%`, `_` and `\` taken literally. */
export function prefixPattern(text: string): string {
  return `${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

interface SearchRow extends Record<string, unknown> {
  type: SearchResult['type'];
  id: string;
  slug: string;
  title: string;
  subtitle: string;
  score: number;
}

/** Below this many characters a query only matches names it starts: trigram similarity needs three. */
export const FUZZY_MIN_LENGTH = 3;

/**
 * The word similarity `<%` asks for: one letter wrong in a word of seven letters leaves 5 of its 8 trigrams, a
 * similarity of 0.45-0.5, below pg_trgm's default 0.6. Set for this statement only (set_config(…, true) in the
 * implicit transaction of one statement), before the index scans run: a pseudo-constant condition on it becomes
 * a one-time filter that the executor checks before it starts the scans below it.
 */
export const WORD_SIMILARITY_THRESHOLD = 0.45;

/**
 * ts_rank's weights for D, C, B, A: a venue's city (B) counts 0.7 of a name (A), so that a show whose artist
 * and city are both in the query ranks above the artist's other shows.
 */
export const FTS_WEIGHTS = '{0.1, 0.2, 0.7, 1.0}';

/** ts_rank of one word found once with weight 1 is 1/ζ(2) (its position decay sums to ζ(2)): this makes it 1. */
export const FTS_RANK_SCALE = Math.PI ** 2 / 6;

/**
 * The full-text query for to_tsquery: any of the query's words (letters and digits, so nothing in it is tsquery
 * syntax), the last one also as a prefix of a word (as you type) when it is long enough to be one. Undefined
 * when there is nothing to look for by word (shorter than FUZZY_MIN_LENGTH, or no letters or digits at all).
 */
export function textQuery(q: string): string | undefined {
  const text = normalizeQuery(q);
  const words = text.match(/[\p{L}\p{N}]+/gu);
  if (!words || [...text].length < FUZZY_MIN_LENGTH) return undefined;
  const last = words.length - 1;
  return words
    .map((word, i) => (i === last && [...word].length >= FUZZY_MIN_LENGTH ? `'${word}':*` : `'${word}'`))
    .join(' | ');
}

/**
 * A query's full-text condition on a document (served by a GIN index on that document) and its rank in [0, 1];
 * without words to look for (textQuery), nothing is found.
 */
export function fullText(q: string): { found: (document: SQL) => SQL; rank: (document: SQL) => SQL } {
  const words = textQuery(q);
  if (!words) return { found: () => sql`false`, rank: () => sql`0::float8` };
  // search_key() on the whole tsquery text: its words are normalised exactly as the documents' are (quotes, `|`
  // and `:*` go through unchanged).
  const tsquery = sql`to_tsquery('pg_catalog.english'::regconfig, search_key(${words}))`;
  return {
    found: (document) => sql`${document} @@ ${tsquery}`,
    rank: (document) =>
      sql`least(1, ${FTS_RANK_SCALE} * ts_rank(${FTS_WEIGHTS}::float4[], ${document}, ${tsquery})::float8)`,
  };
}

/** The full-text documents, exactly as the indexes of migration 0020 are built, so the planner matches them. */
const ARTIST_DOCUMENT = sql`search_vector(a.name, 'A')`;
const VENUE_DOCUMENT = sql`(search_vector(v.name, 'A') || search_vector(v.city, 'B'))`;

export async function searchCatalogue(db: Database, q: string, limit: number): Promise<SearchResult[]> {
  const key = sql`search_key(${q})`;
  const prefix = sql`search_key(${prefixPattern(q)})`;
  const fuzzy = [...q].length >= FUZZY_MIN_LENGTH;
  const { found, rank } = fullText(q);
  // The indexable conditions on one search_key() expression (all served by its trigram GIN index) ...
  const matches = (column: SQL) =>
    fuzzy
      ? sql`(${column} % ${key} or ${key} <% ${column} or ${column} like ${prefix})`
      : sql`${column} like ${prefix}`;
  // ... and the score of a match, on the key computed once per row (the subqueries below, kept apart by offset 0).
  const score = (k: SQL) =>
    sql`greatest(similarity(${k}, ${key})::float8, 0.85 * word_similarity(${key}, ${k})::float8, case when ${k} like ${prefix} then 0.9 + 0.1 * similarity(${k}, ${key})::float8 else 0 end)`;
  // Shows from yesterday on count as upcoming (a show on tonight stays "upcoming" until the day after).
  const recent = sql`now() - interval '1 day'`;
  const showColumns = sql`s.id, s.slug, s.starts_at, s.artist_id, s.venue_id`;
  const nextAndLast = (column: SQL) => sql`
        (select ${showColumns} from shows s where ${column} = m.id and s.starts_at >= ${recent} and s.status <> 'cancelled' order by s.starts_at limit ${limit})
        union all
        (select ${showColumns} from shows s where ${column} = m.id and s.starts_at < ${recent} and s.status <> 'cancelled' order by s.starts_at desc limit ${limit})`;

  // A read: a replica over HTTP (drizzle's withReplicas would send `execute` to the primary).
  const result = await readReplica(db).execute<SearchRow>(sql`
    with settings as materialized (
      select set_config('pg_trgm.word_similarity_threshold', ${String(WORD_SIMILARITY_THRESHOLD)}, true) as word_threshold
    ),
    -- Each matcher on its own: the trigram conditions compute no document, the full-text condition ranks only
    -- what it finds (a document is computed per row: on all the rows the trigrams match it would cost more than
    -- the trigram score itself); a name both find counts once, with both.
    matched_artists as materialized (
      select id, slug, name, genres, popularity, greatest(max(trigram), 0.85 * max(fts)) as score, max(fts) as fts
      from (
        select id, slug, name, genres, popularity, ${score(sql`name_key`)} as trigram, 0::float8 as fts
        from (
          select a.id, a.slug, a.name, a.genres, a.popularity, search_key(a.name) as name_key
          from artists a
          where (select word_threshold from settings) is not null and ${matches(sql`search_key(a.name)`)}
          offset 0
        ) a
        union all
        select a.id, a.slug, a.name, a.genres, a.popularity, 0, ${rank(ARTIST_DOCUMENT)}
        from artists a
        where ${found(ARTIST_DOCUMENT)}
      ) a
      group by id, slug, name, genres, popularity
      order by score desc, fts desc, popularity desc, id
      limit ${CANDIDATES}
    ),
    matched_venues as materialized (
      select id, slug, name, city, country, greatest(max(trigram), 0.85 * max(fts)) as score, max(fts) as fts
      from (
        select id, slug, name, city, country,
          greatest(${score(sql`name_key`)}, 0.9 * ${score(sql`city_key`)}) as trigram, 0::float8 as fts
        from (
          select v.id, v.slug, v.name, v.city, v.country, search_key(v.name) as name_key, search_key(v.city) as city_key
          from venues v
          where (select word_threshold from settings) is not null
            and (${matches(sql`search_key(v.name)`)} or ${matches(sql`search_key(v.city)`)})
          offset 0
        ) v
        union all
        select v.id, v.slug, v.name, v.city, v.country, 0, ${rank(VENUE_DOCUMENT)}
        from venues v
        where ${found(VENUE_DOCUMENT)}
      ) v
      group by id, slug, name, city, country
      order by score desc, fts desc, id
      limit ${CANDIDATES}
    ),
    -- Per matched artist or venue, its next LIMIT shows and its last LIMIT past ones: index range scans
    -- of shows_artist_starts_at_idx / shows_venue_starts_at_idx, bounded whatever the catalogue's size.
    show_candidates as (
      select x.*, m.score, m.fts from matched_artists m cross join lateral (${nextAndLast(sql`s.artist_id`)}) x
      union all
      select x.*, m.score, m.fts from matched_venues m cross join lateral (${nextAndLast(sql`s.venue_id`)}) x
    ),
    -- A show found through both its artist and its venue counts once: with the better of their scores, or with
    -- its full-text rank, the words found in its artist and in its venue together; the best LIMIT.
    top_shows as (
      select id, slug, starts_at, artist_id, venue_id, fts,
        greatest(score, 0.85 * fts) * case when starts_at >= ${recent} then 0.9 else 0.8 end as score,
        abs(extract(epoch from starts_at - now()))::float8 as tiebreak
      from (
        select id, slug, starts_at, artist_id, venue_id, max(score) as score, least(1, sum(fts)) as fts
        from show_candidates
        group by id, slug, starts_at, artist_id, venue_id
      ) h
      order by score desc, fts desc, tiebreak
      limit ${limit}
    )
    (
      select 'artist' as type, id, slug, name as title,
        coalesce(nullif(array_to_string(genres[1:3], ', '), ''), 'Artist') as subtitle,
        score, fts, 0 as priority, -popularity::float8 as tiebreak
      from matched_artists
      order by score desc, fts desc, tiebreak
      limit ${limit}
    )
    union all
    (
      select 'venue', id, slug, name, city || ', ' || country, score, fts, 1, 0::float8
      from matched_venues
      order by score desc, fts desc
      limit ${limit}
    )
    union all
    (
      select 'show', s.id, s.slug, a.name || ' at ' || v.name,
        v.city || ', ' || v.country || ' · ' || to_char(s.starts_at at time zone v.time_zone, 'YYYY-MM-DD'),
        s.score, s.fts, 2, s.tiebreak
      from top_shows s
      join artists a on a.id = s.artist_id
      join venues v on v.id = s.venue_id
    )
    order by score desc, fts desc, priority, tiebreak, title, id
    limit ${limit}
  `);
  return result.rows.map((row) => ({
    type: row.type,
    id: row.id,
    slug: row.slug,
    title: row.title,
    subtitle: row.subtitle,
    score: Math.round(Number(row.score) * 10_000) / 10_000,
  }));
}
