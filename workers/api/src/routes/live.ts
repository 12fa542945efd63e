import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { ApiError } from '#shared/errors';
import { placeLiveSocket, ROOM_HEADERS } from '#shared/room-rpc';
import { requestNetworkId } from '../analytics/network-id';
import type { AppEnv } from '../app-env';
import { isFlagOn } from '../flags/reader';
import { errorResponses } from '../http/openapi';
import { route } from '../http/route';
import { recordRoomJoin } from '../live/room-sockets';
import { showRoomAddressOf } from '../live/show-room-of';
import { socketOriginAllowed } from '../live/socket-origin';

const ShowIdParam = z.object({ showId: z.uuid() });

/**
 * Documented, never rejected (as before this route was described): the session middleware reads the first
 * `token` itself, and the room reads `since` from the URL, answering anything but a non-negative integer with a
 * full snapshot. `.catch` has no JSON Schema form, hence the explicit `.openapi` types.
 */
const LiveQuery = z.object({
  token: z.string().optional().catch(undefined).openapi({
    type: 'string',
    description:
      'The session token, for browsers, which cannot set headers on a WebSocket. Accepted on upgrade requests only.',
  }),
  since: z.coerce.number().int().min(0).optional().catch(undefined).openapi({
    type: 'integer',
    minimum: 0,
    description:
      'The `seq` of the last message received: on reconnect, the room sends what was missed instead of a snapshot when it can.',
  }),
});

const UpgradeHeader = z.object({
  Upgrade: z
    .string()
    .optional()
    .meta({ description: 'Must be `websocket`; anything else is answered with 426.', example: 'websocket' }),
});

const liveRoute = route({
  method: 'get',
  path: '/shows/{showId}/live',
  tag: 'Live room',
  summary: "Open a WebSocket to the show's live room",
  description:
    'Anonymous sockets watch; signed-in ones also vote and add songs. The messages, in both directions, and their guarantees are in docs/realtime.md.',
  auth: 'optional',
  params: ShowIdParam,
  query: LiveQuery,
  headers: UpgradeHeader,
  response: [101, 'Switching Protocols: the socket is connected to the room, which sends a `snapshot` first.'],
  errors: [400, 403, 404],
  responses: { 426: { ...errorResponses(426)[426], description: 'Not a WebSocket upgrade request.' } },
});

/**
 * `GET /v1/shows/{showId}/live`: authenticates like any other route, then hands the WebSocket upgrade
 * to the show's Durable Object, which accepts it with the hibernation API. The identity travels in
 * headers this worker sets (and strips from the client's request): the room is only reachable through
 * this binding, so it can trust them. An invalid showId is a 400 from the app's validation hook. In a big
 * room the room answers with a fan-out shard instead, and the upgrade goes there (placeLiveSocket).
 */
export const liveRoutes = new OpenAPIHono<AppEnv>().openapi(liveRoute, async (c) => {
  const { showId } = c.req.valid('param');
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
    throw new ApiError(426, 'upgrade_required', 'This endpoint speaks WebSocket: send an Upgrade: websocket request.');
  }
  if (!socketOriginAllowed(c)) {
    throw new ApiError(
      403,
      'origin_not_allowed',
      'A socket signed in by the session cookie must be opened from this site; other clients send a token.',
    );
  }
  const headers = new Headers(c.req.raw.headers);
  for (const name of Object.values(ROOM_HEADERS)) headers.delete(name);
  // Before anything else: an unknown show is a 404 that never wakes a room.
  const room = await showRoomAddressOf(c, showId);
  const caller = c.var.caller;
  if (caller) {
    headers.set(ROOM_HEADERS.userId, caller.user.id);
    headers.set(ROOM_HEADERS.role, caller.user.role);
    headers.set(ROOM_HEADERS.sessionId, caller.sessionId);
    // Before the socket exists, so that a revocation from now on finds this room (live/room-sockets.ts).
    await recordRoomJoin(c.var.database.primaryHttp, caller.user.id, showId);
  }
  headers.set(ROOM_HEADERS.showId, showId);
  // The fan-out tier is the room's newest behaviour: a flag turns it off per show without a deploy.
  if (!(await isFlagOn(c.env, 'room_fanout', { id: showId }, c.var.log))) headers.set(ROOM_HEADERS.fanout, 'off');
  headers.set(ROOM_HEADERS.requestId, c.var.requestId);
  const networkId = await requestNetworkId(c);
  if (networkId) headers.set(ROOM_HEADERS.networkId, networkId);
  return placeLiveSocket({ room: c.env.SHOW_ROOM, fanout: c.env.ROOM_FANOUT }, room, (shard) => {
    const upgrade = new Headers(headers);
    if (shard !== null) upgrade.set(ROOM_HEADERS.shard, String(shard));
    return new Request(c.req.url, { headers: upgrade });
  });
});
