/** The trending lists (GET /v1/trending/shows and /artists): the stored ranking with each score explained. */
import { and, asc, desc, eq, gt, lt, or, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import type { Database } from '#shared/db/client';
import { artists, shows, trendingScores, venues } from '#shared/db/schema';
import type { TrendingArtistList, TrendingComponent, TrendingQuery, TrendingShowList } from '#shared/schemas/trending';
import { showSummaryColumns, toShowSummary } from '../catalog/common';
import { cursorKeys, decodeSortedCursor, keysetPage } from '../http/pagination';
import { HALF_LIFE_HOURS, LOOKBACK_DAYS, type StoredComponent, TRENDING_EXPRESSION, WEIGHTS } from './recompute';

type Page = z.infer<typeof TrendingQuery>;

const FORMULA = {
  expression: TRENDING_EXPRESSION,
  halfLifeHours: HALF_LIFE_HOURS,
  lookbackDays: LOOKBACK_DAYS,
  weights: { ...WEIGHTS },
};
const TERM_WEIGHTS = {
  votes: WEIGHTS.vote,
  additions: WEIGHTS.addition,
  follows: WEIGHTS.follow,
  views: WEIGHTS.view,
} as const;

/** The stored components (events, points) with the weight of each term. */
function explain<const K extends keyof typeof TERM_WEIGHTS>(
  stored: unknown,
  terms: readonly K[],
): Record<K, TrendingComponent> {
  const components = (stored ?? {}) as Partial<Record<K, StoredComponent>>;
  return Object.fromEntries(
    terms.map((name) => [
      name,
      { events: components[name]?.events ?? 0, weight: TERM_WEIGHTS[name], points: components[name]?.points ?? 0 },
    ]),
  ) as unknown as Record<K, TrendingComponent>;
}

/** Highest score first; the cursor is (score, id) of the last item. Scores move at each recompute (every 10 min). */
function pageFilter(entityType: 'show' | 'artist', rawCursor: string | undefined): SQL | undefined {
  // The cursor carries no sort: the list has one ('score').
  const cursor = decodeSortedCursor(rawCursor, 'score', 'score', cursorKeys.float);
  if (!cursor) return eq(trendingScores.entityType, entityType);
  const { key: score, id } = cursor;
  return and(
    eq(trendingScores.entityType, entityType),
    or(lt(trendingScores.score, score), and(eq(trendingScores.score, score), gt(trendingScores.entityId, id))),
  );
}

export async function trendingShows(db: Database, { limit, cursor }: Page): Promise<TrendingShowList> {
  const rows = await db
    .select({
      score: trendingScores.score,
      components: trendingScores.components,
      computedAt: trendingScores.computedAt,
      ...showSummaryColumns,
    })
    .from(trendingScores)
    .innerJoin(shows, eq(shows.id, trendingScores.entityId))
    .innerJoin(artists, eq(artists.id, shows.artistId))
    .innerJoin(venues, eq(venues.id, shows.venueId))
    .where(pageFilter('show', cursor))
    .orderBy(desc(trendingScores.score), asc(trendingScores.entityId))
    .limit(limit + 1);
  const { page, nextCursor } = keysetPage(rows, limit, (last) => ({ k: String(last.score), id: last.id }));
  return {
    items: page.map(({ score, components, computedAt, ...show }) => ({
      score,
      components: explain(components, ['votes', 'additions', 'views'] as const),
      computedAt: computedAt.toISOString(),
      show: toShowSummary(show),
    })),
    nextCursor,
    formula: FORMULA,
  };
}

export async function trendingArtists(db: Database, { limit, cursor }: Page): Promise<TrendingArtistList> {
  const rows = await db
    .select({
      score: trendingScores.score,
      components: trendingScores.components,
      computedAt: trendingScores.computedAt,
      artist: {
        id: artists.id,
        slug: artists.slug,
        name: artists.name,
        imageUrl: artists.imageUrl,
        genres: artists.genres,
      },
    })
    .from(trendingScores)
    .innerJoin(artists, eq(artists.id, trendingScores.entityId))
    .where(pageFilter('artist', cursor))
    .orderBy(desc(trendingScores.score), asc(trendingScores.entityId))
    .limit(limit + 1);
  const { page, nextCursor } = keysetPage(rows, limit, (last) => ({ k: String(last.score), id: last.artist.id }));
  return {
    items: page.map((row) => ({
      score: row.score,
      components: explain(row.components, ['votes', 'additions', 'follows', 'views'] as const),
      computedAt: row.computedAt.toISOString(),
      artist: row.artist,
    })),
    nextCursor,
    formula: FORMULA,
  };
}
