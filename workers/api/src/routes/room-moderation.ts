import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { errors } from '#shared/errors';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { setShowLocked } from '../catalog/shows';
import { route } from '../http/route';
import { unwrapRoom } from '../live/room-result';
import { showRoomOf } from '../live/show-room-of';

const LockBody = z.object({ locked: z.boolean() }).meta({ id: 'LockBody' });
const LockState = z.object({ locked: z.boolean() }).meta({ id: 'LockState' });

/** Moderators lock a room (no votes, no additions) and unlock it; every socket gets a `status` message. */
export const roomModerationRoutes = new OpenAPIHono<AppEnv>().openapi(
  route({
    method: 'put',
    path: '/shows/{showId}/lock',
    tag: 'Moderation',
    summary: 'Lock or unlock the live room of a show',
    auth: 'staff',
    params: z.object({ showId: z.uuid() }),
    body: LockBody,
    response: [200, 'The new lock state.', LockState],
    errors: [400, 404],
  }),
  async (c) => {
    const { showId } = c.req.valid('param');
    const { locked } = c.req.valid('json');
    const caller = c.var.caller!;
    // Postgres first: a room rebuilt from Postgres (first use, lost storage) must come back locked.
    if (!(await setShowLocked(c.var.database.db, showId, locked))) throw errors.notFound('show');
    const result = unwrapRoom(
      await (await showRoomOf(c, showId)).setLocked(showId, { userId: caller.user.id, role: caller.user.role }, locked),
    );
    await recordAudit(c, locked ? 'room.lock' : 'room.unlock', { type: 'show', id: showId });
    return c.json(result, 200);
  },
);
