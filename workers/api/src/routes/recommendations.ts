import { OpenAPIHono } from '@hono/zod-openapi';
import { Recommendations, RecommendationsQuery } from '#shared/schemas/ml';
import type { AppEnv } from '../app-env';
import { readReplica } from '../catalog/common';
import { route } from '../http/route';
import { recommend } from '../recommend/recommend';

/** At most this many genres are taken from `?genres=`: a preference, not a query language. */
const MAX_GENRES = 10;

/** Personal recommendations (docs/ml.md): collaborative filtering over the precomputed artist similarity. */
export const recommendationRoutes = new OpenAPIHono<AppEnv>().openapi(
  route({
    method: 'get',
    path: '/me/recommendations',
    tag: 'Follows',
    summary: 'Artists and upcoming shows recommended for you, each with the reason',
    auth: 'fan',
    query: RecommendationsQuery,
    response: [200, 'Recommended artists and shows, best first.', Recommendations],
    errors: [400],
  }),
  async (c) => {
    const { limit, genres } = c.req.valid('query');
    const liked = (genres ?? '')
      .split(',')
      .map((g) => g.trim().toLowerCase())
      .filter(Boolean)
      .slice(0, MAX_GENRES);
    const result = await recommend(readReplica(c.var.database.db), c.var.caller!.user.id, { limit, genres: liked });
    return c.json(result satisfies Recommendations, 200);
  },
);
