import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import { and, asc, eq, gt, gte, or, type SQL } from 'drizzle-orm';
import { artists, shows, venues } from '../../../../src/shared/db/schema';
import { ShowList, ShowListQuery, type ShowSummary } from '../../../../src/shared/schemas/shows';
import type { AppEnv } from '../app-env';
import { errorResponses } from './openapi-helpers';
import { decodeCursor, encodeCursor } from './pagination';

const listShowsRoute = createRoute({
  method: 'get',
  path: '/shows',
  tags: ['Shows'],
  summary: 'List shows, soonest first',
  request: { query: ShowListQuery },
  responses: {
    200: { description: 'A page of shows.', content: { 'application/json': { schema: ShowList } } },
    ...errorResponses(400, 422),
  },
});

export const showRoutes = new OpenAPIHono<AppEnv>().openapi(listShowsRoute, async (c) => {
  const query = c.req.valid('query');
  const cursor = decodeCursor(query.cursor);
  const filters: (SQL | undefined)[] = [
    query.status ? eq(shows.status, query.status) : undefined,
    query.artistId ? eq(shows.artistId, query.artistId) : undefined,
    query.from ? gte(shows.startsAt, new Date(query.from)) : undefined,
    cursor
      ? or(gt(shows.startsAt, new Date(cursor.k)), and(eq(shows.startsAt, new Date(cursor.k)), gt(shows.id, cursor.id)))
      : undefined,
  ];
  const rows = await c.var.database.db
    .select({
      id: shows.id,
      slug: shows.slug,
      startsAt: shows.startsAt,
      status: shows.status,
      votingOpensAt: shows.votingOpensAt,
      votingClosesAt: shows.votingClosesAt,
      artist: { id: artists.id, slug: artists.slug, name: artists.name },
      venue: { id: venues.id, slug: venues.slug, name: venues.name, city: venues.city, country: venues.country, timeZone: venues.timeZone },
    })
    .from(shows)
    .innerJoin(artists, eq(artists.id, shows.artistId))
    .innerJoin(venues, eq(venues.id, shows.venueId))
    .where(and(...filters))
    .orderBy(asc(shows.startsAt), asc(shows.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const items: ShowSummary[] = page.map((row) => ({
    ...row,
    startsAt: row.startsAt.toISOString(),
    votingOpensAt: row.votingOpensAt.toISOString(),
    votingClosesAt: row.votingClosesAt.toISOString(),
  }));
  const nextCursor = rows.length > query.limit && last ? encodeCursor({ k: last.startsAt.toISOString(), id: last.id }) : null;
  return c.json({ items, nextCursor }, 200);
});
