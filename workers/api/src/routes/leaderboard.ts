import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { artists } from '#shared/db/schema';
import { errors } from '#shared/errors';
import { IdOrSlugParams } from '#shared/schemas/catalog';
import { Leaderboard, LeaderboardQuery } from '#shared/schemas/scoring';
import type { AppEnv } from '../app-env';
import { idOrSlug } from '../catalog/common';
import { errorResponses, json } from '../http/openapi';
import { leaderboardPage } from '../scoring/leaderboard-page';

export const leaderboardRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/leaderboard',
      tags: ['Leaderboards'],
      summary: 'Fans ranked by the points their votes earned, over a period',
      request: { query: LeaderboardQuery },
      responses: {
        200: { description: 'A page of the leaderboard.', ...json(Leaderboard) },
        ...errorResponses(400, 422),
      },
    }),
    async (c) => c.json(await leaderboardPage(c.var.database.db, c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/artists/{idOrSlug}/leaderboard',
      tags: ['Leaderboards'],
      summary: "Fans ranked by the points they earned at an artist's shows, over a period",
      request: { params: IdOrSlugParams, query: LeaderboardQuery },
      responses: {
        200: { description: 'A page of the leaderboard.', ...json(Leaderboard) },
        ...errorResponses(400, 404, 422),
      },
    }),
    async (c) => {
      const db = c.var.database.db;
      const [artist] = await db
        .select({ id: artists.id })
        .from(artists)
        .where(idOrSlug(artists, c.req.valid('param').idOrSlug));
      if (!artist) throw errors.notFound('artist');
      return c.json({ ...(await leaderboardPage(db, c.req.valid('query'), artist.id)), artistId: artist.id }, 200);
    },
  );
