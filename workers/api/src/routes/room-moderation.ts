import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { errors } from '#shared/errors';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { setShowLocked } from '../catalog/shows';
import { errorResponses, SIGNED_IN } from '../http/openapi';
import { unwrapRoom } from '../live/room-result';
import { showRoomOf } from '../live/show-room-of';
import { requireRole } from '../middleware/session/require-role';

const LockBody = z.object({ locked: z.boolean() }).meta({ id: 'LockBody' });
const LockState = z.object({ locked: z.boolean() }).meta({ id: 'LockState' });

/** Moderators lock a room (no votes, no additions) and unlock it; every socket gets a `status` message. */
export const roomModerationRoutes = new OpenAPIHono<AppEnv>().openapi(
  createRoute({
    method: 'put',
    path: '/shows/{showId}/lock',
    tags: ['Moderation'],
    summary: 'Lock or unlock the live room of a show',
    middleware: [requireRole('moderator', 'admin')] as const,
    security: SIGNED_IN,
    request: {
      params: z.object({ showId: z.uuid() }),
      body: { content: { 'application/json': { schema: LockBody } }, required: true },
    },
    responses: {
      200: { description: 'The new lock state.', content: { 'application/json': { schema: LockState } } },
      ...errorResponses(400, 401, 403, 404),
    },
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
