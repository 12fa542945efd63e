import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { RoomActor } from '#shared/room-rpc';
import { RoomSong } from '#shared/schemas/room';
import { ShowStatus } from '#shared/schemas/shows';
import { requestNetworkId } from '../analytics/network-id';
import type { AppEnv, Caller } from '../app-env';
import { errorResponses, json, SIGN_IN_OPTIONAL, SIGNED_IN } from '../http/openapi';
import { unwrapRoom } from '../live/room-result';
import { showRoomOf } from '../live/show-room-of';
import { requireCaller } from '../middleware/session';
import { tracedRoomCall } from '../tracing/room-call';

const ShowParams = z.object({ showId: z.uuid() });
const VoteParams = ShowParams.extend({ setlistSongId: z.uuid() });

/** One song of the predicted setlist, with its live vote count: one component, in the setlist and when added. */
const SetlistSong = RoomSong.meta({ id: 'SetlistSong' });
const Setlist = z
  .object({
    showId: z.uuid(),
    seq: z.number().int(),
    status: ShowStatus,
    locked: z.boolean(),
    votingOpen: z.boolean(),
    songs: z.array(SetlistSong),
    myVotes: z.array(z.uuid()),
  })
  .meta({ id: 'Setlist' });
const AddSongBody = z.object({ songId: z.uuid() }).meta({ id: 'AddSongBody' });
const VoteBody = z
  .object({
    setlistSongId: z.uuid(),
    voteId: z.uuid().describe('Client-chosen id; sending it again returns the first result.'),
  })
  .meta({ id: 'VoteBody' });
const VoteAccepted = z
  .object({ setlistSongId: z.uuid(), voteId: z.uuid(), votes: z.number().int() })
  .meta({ id: 'VoteAccepted' });

const actorOf = (caller: Caller | null, networkId?: string): RoomActor => ({
  userId: caller!.user.id,
  role: caller!.user.role,
  ...(networkId ? { networkId } : {}),
});

export const setlistRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/shows/{showId}/setlist',
      tags: ['Setlist'],
      summary: "The show's predicted setlist with live vote counts (and, signed in, my votes)",
      security: SIGN_IN_OPTIONAL,
      request: { params: ShowParams },
      responses: {
        200: { description: 'The predicted setlist, most voted first.', ...json(Setlist) },
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const { showId } = c.req.valid('param');
      const view = unwrapRoom(await (await showRoomOf(c, showId)).setlist(showId, c.var.caller?.user.id ?? null));
      return c.json(view, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/shows/{showId}/setlist',
      tags: ['Setlist'],
      summary: "Add a song from the artist's catalogue to the predicted setlist",
      middleware: [requireCaller()] as const,
      security: SIGNED_IN,
      request: { params: ShowParams, body: { ...json(AddSongBody), required: true } },
      responses: {
        201: { description: 'Added.', ...json(SetlistSong) },
        200: { description: 'Already on the setlist; the existing entry.', ...json(SetlistSong) },
        ...errorResponses(400, 401, 404, 409, 422),
      },
    }),
    async (c) => {
      const { showId } = c.req.valid('param');
      const { songId } = c.req.valid('json');
      const { repeated, ...song } = unwrapRoom(
        await tracedRoomCall(
          c,
          'addSong',
          async (traceparent) =>
            await (await showRoomOf(c, showId)).addSong(showId, actorOf(c.var.caller), songId, traceparent),
        ),
      );
      return c.json(song, repeated ? 200 : 201);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/shows/{showId}/votes',
      tags: ['Setlist'],
      summary: 'Upvote a setlist song (idempotent on voteId)',
      middleware: [requireCaller()] as const,
      security: SIGNED_IN,
      request: { params: ShowParams, body: { ...json(VoteBody), required: true } },
      responses: {
        201: { description: 'Vote accepted; the new count.', ...json(VoteAccepted) },
        200: { description: 'This voteId was already accepted; the first result.', ...json(VoteAccepted) },
        ...errorResponses(400, 401, 404, 409),
      },
    }),
    async (c) => {
      const { showId } = c.req.valid('param');
      const { setlistSongId, voteId } = c.req.valid('json');
      const actor = actorOf(c.var.caller, await requestNetworkId(c));
      const { repeated, ...vote } = unwrapRoom(
        await tracedRoomCall(
          c,
          'vote',
          async (traceparent) =>
            await (await showRoomOf(c, showId)).vote(showId, actor, setlistSongId, voteId, traceparent),
        ),
      );
      return c.json(vote, repeated ? 200 : 201);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/shows/{showId}/votes/{setlistSongId}',
      tags: ['Setlist'],
      summary: 'Take my vote for a setlist song back',
      middleware: [requireCaller()] as const,
      security: SIGNED_IN,
      request: { params: VoteParams },
      responses: {
        204: { description: 'No vote remains (also when there was none).' },
        ...errorResponses(400, 401, 404, 409),
      },
    }),
    async (c) => {
      const { showId, setlistSongId } = c.req.valid('param');
      unwrapRoom(
        await tracedRoomCall(
          c,
          'unvote',
          async (traceparent) =>
            await (await showRoomOf(c, showId)).unvote(showId, actorOf(c.var.caller), setlistSongId, traceparent),
        ),
      );
      return c.body(null, 204);
    },
  );
