import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { ArtistIdParams, FollowList } from '#shared/schemas/catalog';
import { PageQuery } from '#shared/schemas/common';
import { ShowList } from '#shared/schemas/shows';
import { recordEvent } from '../analytics/record';
import type { AppEnv } from '../app-env';
import { feed, follow, followedArtists, unfollow } from '../follows/queries';
import { errorResponses, json, SIGNED_IN } from '../http/openapi';
import { requireCaller } from '../middleware/session';

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
      await follow(c.var.database.db, c.var.caller!.user.id, artistId);
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
      await unfollow(c.var.database.db, c.var.caller!.user.id, artistId);
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
      return c.json(await followedArtists(c.var.database.db, c.var.caller!.user.id, c.req.valid('query')), 200);
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
      return c.json(await feed(c.var.database.db, c.var.caller!.user.id, c.req.valid('query')), 200);
    },
  );
