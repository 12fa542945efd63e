import { OpenAPIHono } from '@hono/zod-openapi';
import { errors } from '#shared/errors';
import { IdOrSlugParams, VenueDetail, VenueList, VenueListQuery } from '#shared/schemas/catalog';
import type { AppEnv } from '../app-env';
import { listVenues, readVenueDetail } from '../catalog/venues';
import { route } from '../http/route';

export const venueRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      method: 'get',
      path: '/venues',
      tag: 'Venues',
      summary: 'List venues by name',
      query: VenueListQuery,
      response: [200, 'A page of venues.', VenueList],
      errors: [400, 422],
    }),
    async (c) => c.json(await listVenues(c.var.database.db, c.req.valid('query')), 200),
  )
  .openapi(
    route({
      method: 'get',
      path: '/venues/{idOrSlug}',
      tag: 'Venues',
      summary: 'A venue with its upcoming shows',
      params: IdOrSlugParams,
      response: [200, 'The venue.', VenueDetail],
      errors: [400, 404],
    }),
    async (c) => {
      const venue = await readVenueDetail(c.var.database.db, c.req.valid('param').idOrSlug);
      if (!venue) throw errors.notFound('venue');
      return c.json(venue, 200);
    },
  );
