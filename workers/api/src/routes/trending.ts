import { OpenAPIHono } from '@hono/zod-openapi';
import { TrendingArtistList, TrendingQuery, TrendingShowList } from '#shared/schemas/trending';
import type { AppEnv } from '../app-env';
import { route } from '../http/route';
import { trendingArtists, trendingShows } from '../trending/lists';

/** What both rankings share: how they are computed, paged and queried. */
const RANKING = {
  method: 'get',
  tag: 'Trending',
  description:
    'Recomputed every 10 minutes. `score` is the sum of the `components`; each is `weight × Σ 0.5^(ageHours / halfLifeHours)` ' +
    'over its events of the last `lookbackDays` days (see `formula`). The cursor pages through the current ranking.',
  query: TrendingQuery,
  errors: [400, 422],
} as const;

export const trendingRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      ...RANKING,
      path: '/trending/shows',
      summary: 'Shows with the most recent activity (votes, setlist additions, views)',
      response: [200, 'Trending shows, highest score first.', TrendingShowList],
    }),
    async (c) => c.json(await trendingShows(c.var.database.db, c.req.valid('query')), 200),
  )
  .openapi(
    route({
      ...RANKING,
      path: '/trending/artists',
      summary: 'Artists with the most recent activity (follows, views, and activity on their shows)',
      response: [200, 'Trending artists, highest score first.', TrendingArtistList],
    }),
    async (c) => c.json(await trendingArtists(c.var.database.db, c.req.valid('query')), 200),
  );
