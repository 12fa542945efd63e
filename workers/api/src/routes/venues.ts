import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import { artists, shows, venues } from '#shared/db/schema';
import { errors } from '#shared/errors';
import { IdOrSlugParams, VenueDetail, VenueList, VenueListQuery } from '#shared/schemas/catalog';
import type { AppEnv } from '../app-env';
import { idOrSlug, isUpcoming, rowAfter, showSummaryColumns, toShowSummary, venueColumns } from '../catalog/common';
import { errorResponses, json } from '../http/openapi';
import { cursorKeys, decodeSortedCursor, encodeCursor } from '../http/pagination';

/** How many upcoming shows the venue page carries; the full list is GET /shows?venueId=. */
export const VENUE_PAGE_SHOWS = 20;

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
    async (c) => {
      const query = c.req.valid('query');
      // Cursor: { k: name of the last venue, id }; one sort only.
      const cursor = decodeSortedCursor(query.cursor, 'name', 'name', cursorKeys.text);
      const filters: (SQL | undefined)[] = [
        query.country ? eq(venues.country, query.country.toUpperCase()) : undefined,
        query.city ? sql`search_key(${venues.city}) = search_key(${query.city})` : undefined,
        cursor ? rowAfter('asc', venues.name, venues.id, sql`${cursor.key}::text`, cursor.id) : undefined,
      ];
      const rows = await c.var.database.db
        .select(venueColumns)
        .from(venues)
        .where(and(...filters))
        .orderBy(asc(venues.name), asc(venues.id))
        .limit(query.limit + 1);
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      const nextCursor = rows.length > query.limit && last ? encodeCursor({ k: last.name, id: last.id }) : null;
      return c.json({ items: page, nextCursor }, 200);
    },
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
      const db = c.var.database.db;
      const [venue] = await db
        .select(venueColumns)
        .from(venues)
        .where(idOrSlug(venues, c.req.valid('param').idOrSlug));
      if (!venue) throw errors.notFound('venue');
      const upcoming = await db
        .select(showSummaryColumns)
        .from(shows)
        .innerJoin(artists, eq(artists.id, shows.artistId))
        .innerJoin(venues, eq(venues.id, shows.venueId))
        .where(and(eq(shows.venueId, venue.id), isUpcoming()))
        .orderBy(asc(shows.startsAt), asc(shows.id))
        .limit(VENUE_PAGE_SHOWS);
      return c.json({ ...venue, upcomingShows: upcoming.map(toShowSummary) }, 200);
    },
  );
