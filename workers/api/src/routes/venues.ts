import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { errors } from '#shared/errors';
import { IdOrSlugParams, VenueDetail, VenueList, VenueListQuery } from '#shared/schemas/catalog';
import type { AppEnv } from '../app-env';
import { listVenues, readVenueDetail } from '../catalog/venues';
import { errorResponses, json } from '../http/openapi';

export const venueRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/venues',
      tags: ['Venues'],
      summary: 'List venues by name',
      request: { query: VenueListQuery },
      responses: { 200: { description: 'A page of venues.', ...json(VenueList) }, ...errorResponses(400, 422) },
    }),
    async (c) => c.json(await listVenues(c.var.database.db, c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/venues/{idOrSlug}',
      tags: ['Venues'],
      summary: 'A venue with its upcoming shows',
      request: { params: IdOrSlugParams },
      responses: { 200: { description: 'The venue.', ...json(VenueDetail) }, ...errorResponses(400, 404) },
    }),
    async (c) => {
      const venue = await readVenueDetail(c.var.database.db, c.req.valid('param').idOrSlug);
      if (!venue) throw errors.notFound('venue');
      return c.json(venue, 200);
    },
  );
