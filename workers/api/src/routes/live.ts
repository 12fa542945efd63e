import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError, errors } from '../../../../src/shared/errors';
import { ROOM_HEADERS, showRoomStub } from '../../../../src/shared/room-rpc';
import type { AppEnv } from '../app-env';

const ShowIdParam = z.object({ showId: z.uuid() });

/**
 * `GET /v1/shows/{showId}/live`: authenticates like any other route, then hands the WebSocket upgrade
 * to the show's Durable Object, which accepts it with the hibernation API. The identity travels in
 * headers this worker sets (and strips from the client's request): the room is only reachable through
 * this binding, so it can trust them.
 */
export const liveRoutes = new Hono<AppEnv>().get('/shows/:showId/live', async (c) => {
  const params = ShowIdParam.safeParse(c.req.param());
  if (!params.success) throw errors.validation(params.error);
  if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
    throw new ApiError(426, 'upgrade_required', 'This endpoint speaks WebSocket: send an Upgrade: websocket request.');
  }
  const headers = new Headers(c.req.raw.headers);
  for (const name of Object.values(ROOM_HEADERS)) headers.delete(name);
  const caller = c.var.caller;
  if (caller) {
    headers.set(ROOM_HEADERS.userId, caller.user.id);
    headers.set(ROOM_HEADERS.role, caller.user.role);
  }
  headers.set(ROOM_HEADERS.showId, params.data.showId);
  headers.set(ROOM_HEADERS.requestId, c.var.requestId);
  const stub = showRoomStub(c.env.SHOW_ROOM, params.data.showId);
  return stub.fetch(new Request(c.req.url, { headers }));
});
