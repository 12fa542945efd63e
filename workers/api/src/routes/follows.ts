import { OpenAPIHono } from '@hono/zod-openapi';
import { ArtistIdParams, FollowList } from '#shared/schemas/catalog';
import { PageQuery } from '#shared/schemas/common';
import { ShowList } from '#shared/schemas/shows';
import { recordEvent } from '../analytics/record';
import type { AppEnv } from '../app-env';
import { feed, follow, followedArtists, unfollow } from '../follows/queries';
import { route } from '../http/route';

/** Every route here is the signed-in fan's own. */
const MINE = { tag: 'Follows', auth: 'fan' } as const;
/** The two lists: a page of what the fan follows. */
const MY_LIST = { ...MINE, method: 'get', query: PageQuery, errors: [400, 422] } as const;

/** A fan follows artists; their feed is the upcoming shows of those artists. */
export const followRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      method: 'put',
      path: '/me/follows/{artistId}',
      ...MINE,
      summary: 'Follow an artist (idempotent)',
      params: ArtistIdParams,
      response: [204, 'Followed (also when already followed).'],
      errors: [400, 404],
    }),
    async (c) => {
      const { artistId } = c.req.valid('param');
      await follow(c.var.database.db, c.var.caller!.user.id, artistId);
      recordEvent(c, 'follow', { data: { artistId } });
      return c.body(null, 204);
    },
  )
  .openapi(
    route({
      method: 'delete',
      path: '/me/follows/{artistId}',
      ...MINE,
      summary: 'Stop following an artist (idempotent)',
      params: ArtistIdParams,
      response: [204, 'Not followed any more (also when it was not).'],
      errors: [400],
    }),
    async (c) => {
      const { artistId } = c.req.valid('param');
      await unfollow(c.var.database.db, c.var.caller!.user.id, artistId);
      recordEvent(c, 'unfollow', { data: { artistId } });
      return c.body(null, 204);
    },
  )
  .openapi(
    route({
      ...MY_LIST,
      path: '/me/follows',
      summary: 'The artists I follow, by name',
      response: [200, 'A page of followed artists.', FollowList],
    }),
    async (c) => {
      return c.json(await followedArtists(c.var.database.db, c.var.caller!.user.id, c.req.valid('query')), 200);
    },
  )
  .openapi(
    route({
      ...MY_LIST,
      path: '/me/feed',
      summary: 'Upcoming shows of the artists I follow, soonest first',
      response: [200, 'A page of shows.', ShowList],
    }),
    async (c) => {
      return c.json(await feed(c.var.database.db, c.var.caller!.user.id, c.req.valid('query')), 200);
    },
  );
