import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { TrendingArtistList, TrendingQuery, TrendingShowList } from '#shared/schemas/trending';
import type { AppEnv } from '../app-env';
import { errorResponses, json } from '../http/openapi';
import { trendingArtists, trendingShows } from '../trending/lists';

const DESCRIPTION =
  'Recomputed every 10 minutes. `score` is the sum of the `components`; each is `weight × Σ 0.5^(ageHours / halfLifeHours)` ' +
  'over its events of the last `lookbackDays` days (see `formula`). The cursor pages through the current ranking.';

export const trendingRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/trending/shows',
      tags: ['Trending'],
      summary: 'Shows with the most recent activity (votes, setlist additions, views)',
      description: DESCRIPTION,
      request: { query: TrendingQuery },
      responses: {
        200: { description: 'Trending shows, highest score first.', ...json(TrendingShowList) },
        ...errorResponses(400, 422),
      },
    }),
    async (c) => {
      return c.json(await trendingShows(c.var.database.db, c.req.valid('query')), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/trending/artists',
      tags: ['Trending'],
      summary: 'Artists with the most recent activity (follows, views, and activity on their shows)',
      description: DESCRIPTION,
      request: { query: TrendingQuery },
      responses: {
        200: { description: 'Trending artists, highest score first.', ...json(TrendingArtistList) },
        ...errorResponses(400, 422),
      },
    }),
    async (c) => {
      return c.json(await trendingArtists(c.var.database.db, c.req.valid('query')), 200);
    },
  );
