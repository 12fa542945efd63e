import { OpenAPIHono } from '@hono/zod-openapi';
import { IdOrSlugParams } from '#shared/schemas/catalog';
import { Leaderboard, LeaderboardQuery } from '#shared/schemas/scoring';
import type { AppEnv } from '../app-env';
import { findArtist } from '../catalog/artists';
import { route } from '../http/route';
import { leaderboardPage } from '../scoring/leaderboard-page';

/** What both leaderboards share: the period and page they take, and the page they answer. */
const BOARD = {
  method: 'get',
  tag: 'Leaderboards',
  query: LeaderboardQuery,
  response: [200, 'A page of the leaderboard.', Leaderboard],
} as const;

export const leaderboardRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      ...BOARD,
      path: '/leaderboard',
      summary: 'Fans ranked by the points their votes earned, over a period',
      errors: [400, 422],
    }),
    async (c) => c.json(await leaderboardPage(c.var.database.db, c.req.valid('query')), 200),
  )
  .openapi(
    route({
      ...BOARD,
      path: '/artists/{idOrSlug}/leaderboard',
      summary: "Fans ranked by the points they earned at an artist's shows, over a period",
      params: IdOrSlugParams,
      errors: [400, 404, 422],
    }),
    async (c) => {
      const db = c.var.database.db;
      const artist = await findArtist(db, c.req.valid('param').idOrSlug);
      return c.json({ ...(await leaderboardPage(db, c.req.valid('query'), artist.id)), artistId: artist.id }, 200);
    },
  );
