import { OpenAPIHono } from '@hono/zod-openapi';
import { TrendingArtistList, TrendingQuery, TrendingShowList } from '#shared/schemas/trending';
import type { AppEnv } from '../app-env';
import { route } from '../http/route';
import { trendingArtists, trendingShows } from '../trending/lists';

const DESCRIPTION =
  'Recomputed every 10 minutes. `score` is the sum of the `components`; each is `weight × Σ 0.5^(ageHours / halfLifeHours)` ' +
  'over its events of the last `lookbackDays` days (see `formula`). The cursor pages through the current ranking.';

export const trendingRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      method: 'get',
      path: '/trending/shows',
      tag: 'Trending',
      summary: 'Shows with the most recent activity (votes, setlist additions, views)',
      description: DESCRIPTION,
      query: TrendingQuery,
      response: [200, 'Trending shows, highest score first.', TrendingShowList],
      errors: [400, 422],
    }),
    async (c) => {
      return c.json(await trendingShows(c.var.database.db, c.req.valid('query')), 200);
    },
  )
  .openapi(
    route({
      method: 'get',
      path: '/trending/artists',
      tag: 'Trending',
      summary: 'Artists with the most recent activity (follows, views, and activity on their shows)',
      description: DESCRIPTION,
      query: TrendingQuery,
      response: [200, 'Trending artists, highest score first.', TrendingArtistList],
      errors: [400, 422],
    }),
    async (c) => {
      return c.json(await trendingArtists(c.var.database.db, c.req.valid('query')), 200);
    },
  );
