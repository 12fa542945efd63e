import { OpenAPIHono } from '@hono/zod-openapi';
import { errors } from '#shared/errors';
import { IdOrSlugParams, ShowDetail } from '#shared/schemas/catalog';
import { ShowList, ShowListQuery } from '#shared/schemas/shows';
import { recordView } from '../analytics/record';
import type { AppEnv } from '../app-env';
import { listShows, readShowDetail } from '../catalog/shows';
import { route } from '../http/route';

export const showRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      method: 'get',
      path: '/shows',
      tag: 'Shows',
      summary: 'List shows: soonest first, or trending',
      query: ShowListQuery,
      response: [200, 'A page of shows.', ShowList],
      errors: [400, 422],
    }),
    async (c) => c.json(await listShows(c.var.database.db, c.req.valid('query')), 200),
  )
  .openapi(
    route({
      method: 'get',
      path: '/shows/{idOrSlug}',
      tag: 'Shows',
      summary: 'A show with its venue, artist and a summary of the predicted setlist',
      params: IdOrSlugParams,
      response: [200, 'The show.', ShowDetail],
      errors: [400, 404],
    }),
    async (c) => {
      const detail = await readShowDetail(c.var.database.db, c.req.valid('param').idOrSlug);
      if (!detail) throw errors.notFound('show');
      // Feeds trending. Anonymous views answered from the response cache do not reach here (≤ 1 per URL per freshness window).
      recordView(c, 'show_view', detail.id);
      return c.json(detail, 200);
    },
  );
