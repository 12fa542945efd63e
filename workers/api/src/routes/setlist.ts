import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import type { RoomActor, RoomResult, ShowRoomStub } from '#shared/room-rpc';
import { RoomSong } from '#shared/schemas/room';
import { ShowStatus } from '#shared/schemas/shows';
import { requestNetworkId } from '../analytics/network-id';
import type { AppEnv, Caller } from '../app-env';
import { json } from '../http/openapi';
import { route } from '../http/route';
import { unwrapRoom } from '../live/room-result';
import { showRoomOf } from '../live/show-room-of';
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

/** A fan's change in the show's room, traced as one hop (`rpc room.<method>`); a refusal becomes its API error. */
async function roomChange<T>(
  c: Context<AppEnv>,
  showId: string,
  method: string,
  change: (room: ShowRoomStub, traceparent: string) => Promise<RoomResult<T>>,
): Promise<T> {
  return unwrapRoom(
    await tracedRoomCall(c, method, async (traceparent) => change(await showRoomOf(c, showId), traceparent)),
  );
}

export const setlistRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      method: 'get',
      path: '/shows/{showId}/setlist',
      tag: 'Setlist',
      summary: "The show's predicted setlist with live vote counts (and, signed in, my votes)",
      auth: 'optional',
      params: ShowParams,
      response: [200, 'The predicted setlist, most voted first.', Setlist],
      errors: [400, 404],
    }),
    async (c) => {
      const { showId } = c.req.valid('param');
      const view = unwrapRoom(await (await showRoomOf(c, showId)).setlist(showId, c.var.caller?.user.id ?? null));
      return c.json(view, 200);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/shows/{showId}/setlist',
      tag: 'Setlist',
      summary: "Add a song from the artist's catalogue to the predicted setlist",
      auth: 'fan',
      params: ShowParams,
      body: AddSongBody,
      response: [201, 'Added.', SetlistSong],
      responses: { 200: { description: 'Already on the setlist; the existing entry.', ...json(SetlistSong) } },
      errors: [400, 404, 409, 422],
    }),
    async (c) => {
      const { showId } = c.req.valid('param');
      const { songId } = c.req.valid('json');
      const { repeated, ...song } = await roomChange(c, showId, 'addSong', (room, traceparent) =>
        room.addSong(showId, actorOf(c.var.caller), songId, traceparent),
      );
      return c.json(song, repeated ? 200 : 201);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/shows/{showId}/votes',
      tag: 'Setlist',
      summary: 'Upvote a setlist song (idempotent on voteId)',
      auth: 'fan',
      params: ShowParams,
      body: VoteBody,
      response: [201, 'Vote accepted; the new count.', VoteAccepted],
      responses: { 200: { description: 'This voteId was already accepted; the first result.', ...json(VoteAccepted) } },
      errors: [400, 404, 409],
    }),
    async (c) => {
      const { showId } = c.req.valid('param');
      const { setlistSongId, voteId } = c.req.valid('json');
      const actor = actorOf(c.var.caller, await requestNetworkId(c));
      const { repeated, ...vote } = await roomChange(c, showId, 'vote', (room, traceparent) =>
        room.vote(showId, actor, setlistSongId, voteId, traceparent),
      );
      return c.json(vote, repeated ? 200 : 201);
    },
  )
  .openapi(
    route({
      method: 'delete',
      path: '/shows/{showId}/votes/{setlistSongId}',
      tag: 'Setlist',
      summary: 'Take my vote for a setlist song back',
      auth: 'fan',
      params: VoteParams,
      response: [204, 'No vote remains (also when there was none).'],
      errors: [400, 404, 409],
    }),
    async (c) => {
      const { showId, setlistSongId } = c.req.valid('param');
      await roomChange(c, showId, 'unvote', (room, traceparent) =>
        room.unvote(showId, actorOf(c.var.caller), setlistSongId, traceparent),
      );
      return c.body(null, 204);
    },
  );
