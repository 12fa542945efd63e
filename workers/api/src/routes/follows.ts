import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { and, asc, eq, gt, or, sql } from 'drizzle-orm';
import { isForeignKeyViolation } from '#shared/db/errors';
import { artists, follows, shows, venues } from '#shared/db/schema';
import { errors } from '#shared/errors';
import { ArtistIdParams, FollowList } from '#shared/schemas/catalog';
import { PageQuery } from '#shared/schemas/common';
import { ShowList } from '#shared/schemas/shows';
import { recordEvent } from '../analytics/record';
import type { AppEnv } from '../app-env';
import { requireCaller } from '../middleware/session';
import { artistSummaryColumns, isUpcoming, rowAfter, showSummaryColumns, toShowSummary } from '../catalog/common';
import { errorResponses, json, SIGNED_IN } from '../http/openapi';
import { cursorKeys, decodeSortedCursor, encodeCursor } from '../http/pagination';

/** A fan follows artists; their feed is the upcoming shows of those artists. */
export const followRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'put',
      path: '/me/follows/{artistId}',
      tags: ['Follows'],
      summary: 'Follow an artist (idempotent)',
      middleware: [requireCaller()] as const,
      security: SIGNED_IN,
      request: { params: ArtistIdParams },
      responses: { 204: { description: 'Followed (also when already followed).' }, ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const { artistId } = c.req.valid('param');
      try {
        await c.var.database.db.$primary
          .insert(follows)
          .values({ userId: c.var.caller!.user.id, artistId })
          .onConflictDoNothing();
      } catch (err) {
        if (isForeignKeyViolation(err)) throw errors.notFound('artist');
        throw err;
      }
      recordEvent(c, 'follow', { data: { artistId } });
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/me/follows/{artistId}',
      tags: ['Follows'],
      summary: 'Stop following an artist (idempotent)',
      middleware: [requireCaller()] as const,
      security: SIGNED_IN,
      request: { params: ArtistIdParams },
      responses: { 204: { description: 'Not followed any more (also when it was not).' }, ...errorResponses(400, 401) },
    }),
    async (c) => {
      const { artistId } = c.req.valid('param');
      await c.var.database.db.$primary
        .delete(follows)
        .where(and(eq(follows.userId, c.var.caller!.user.id), eq(follows.artistId, artistId)));
      recordEvent(c, 'unfollow', { data: { artistId } });
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/me/follows',
      tags: ['Follows'],
      summary: 'The artists I follow, by name',
      middleware: [requireCaller()] as const,
      security: SIGNED_IN,
      request: { query: PageQuery },
      responses: {
        200: { description: 'A page of followed artists.', ...json(FollowList) },
        ...errorResponses(400, 401, 422),
      },
    }),
    async (c) => {
      const { limit, cursor: rawCursor } = c.req.valid('query');
      // Cursor: { k: name of the last artist, id }. Read from the primary: a fan who just (un)followed sees it.
      const cursor = decodeSortedCursor(rawCursor, 'name', 'name', cursorKeys.text);
      const rows = await c.var.database.db.$primary
        .select({ ...artistSummaryColumns, followedAt: follows.createdAt })
        .from(follows)
        .innerJoin(artists, eq(artists.id, follows.artistId))
        .where(
          and(
            eq(follows.userId, c.var.caller!.user.id),
            cursor ? rowAfter('asc', artists.name, artists.id, sql`${cursor.key}::text`, cursor.id) : undefined,
          ),
        )
        .orderBy(asc(artists.name), asc(artists.id))
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return c.json(
        {
          items: page.map((row) => ({ ...row, followedAt: row.followedAt.toISOString() })),
          nextCursor: rows.length > limit && last ? encodeCursor({ k: last.name, id: last.id }) : null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/me/feed',
      tags: ['Follows'],
      summary: 'Upcoming shows of the artists I follow, soonest first',
      middleware: [requireCaller()] as const,
      security: SIGNED_IN,
      request: { query: PageQuery },
      responses: { 200: { description: 'A page of shows.', ...json(ShowList) }, ...errorResponses(400, 401, 422) },
    }),
    async (c) => {
      const { limit, cursor: rawCursor } = c.req.valid('query');
      // Cursor: { k: startsAt ISO of the last show, id }, as GET /shows sorted by date.
      const cursor = decodeSortedCursor(rawCursor, 'date', 'date', cursorKeys.date);
      const rows = await c.var.database.db
        .select(showSummaryColumns)
        .from(follows)
        .innerJoin(shows, eq(shows.artistId, follows.artistId))
        .innerJoin(artists, eq(artists.id, shows.artistId))
        .innerJoin(venues, eq(venues.id, shows.venueId))
        .where(
          and(
            eq(follows.userId, c.var.caller!.user.id),
            isUpcoming(),
            cursor
              ? or(gt(shows.startsAt, cursor.key), and(eq(shows.startsAt, cursor.key), gt(shows.id, cursor.id)))
              : undefined,
          ),
        )
        .orderBy(asc(shows.startsAt), asc(shows.id))
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return c.json(
        {
          items: page.map(toShowSummary),
          nextCursor:
            rows.length > limit && last ? encodeCursor({ k: last.startsAt.toISOString(), id: last.id }) : null,
        },
        200,
      );
    },
  );
