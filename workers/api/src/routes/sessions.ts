import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { and, desc, eq, gt, ne } from 'drizzle-orm';
import { deleteCookie } from 'hono/cookie';
import { z } from 'zod';
import { hashPassword, verifyPassword } from '../auth/password';
import { SESSION_COOKIE } from '../auth/session-token';
import { sessions, users } from '#shared/db/schema';
import { ApiError, errors } from '#shared/errors';
import { ChangePasswordBody, SessionList, SessionsRevoked } from '#shared/schemas/account';
import { passwordFor } from '#shared/schemas/auth';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { reserveReauthAttempt } from '../auth/login-limiter';
import { passwordWork } from '../auth/password-work';
import { forgetSession } from '../auth/session-cache';
import { revokeRoomSockets } from '../live/room-sockets';
import { requireCaller } from '../middleware/session';
import { errorResponses, json, SIGNED_IN } from '../http/openapi';

const listRoute = createRoute({
  method: 'get',
  path: '/me/sessions',
  tags: ['Accounts'],
  summary: 'The signed-in sessions of the caller, most recently used first',
  middleware: [requireCaller()] as const,
  security: SIGNED_IN,
  responses: {
    200: { description: 'The sessions; `current` marks the one of this request.', ...json(SessionList) },
    ...errorResponses(401),
  },
});

const revokeRoute = createRoute({
  method: 'delete',
  path: '/me/sessions/{id}',
  tags: ['Accounts'],
  summary: 'Sign out one session',
  middleware: [requireCaller()] as const,
  security: SIGNED_IN,
  request: { params: z.object({ id: z.uuid() }) },
  responses: { 204: { description: 'Signed out.' }, ...errorResponses(400, 401, 404) },
});

const revokeAllRoute = createRoute({
  method: 'delete',
  path: '/me/sessions',
  tags: ['Accounts'],
  summary: 'Sign out everywhere else (or everywhere, with includeCurrent=true)',
  middleware: [requireCaller()] as const,
  security: SIGNED_IN,
  request: { query: z.object({ includeCurrent: z.enum(['true', 'false']).optional() }) },
  responses: {
    200: { description: 'How many sessions were signed out.', ...json(SessionsRevoked) },
    ...errorResponses(400, 401),
  },
});

const changePasswordRoute = createRoute({
  method: 'post',
  path: '/me/password',
  tags: ['Accounts'],
  summary: 'Change the password; signs out every other session',
  middleware: [requireCaller()] as const,
  security: SIGNED_IN,
  request: { body: { ...json(ChangePasswordBody), required: true } },
  responses: {
    204: { description: 'Changed; this session stays signed in.' },
    ...errorResponses(400, 401, 429),
  },
});

export const sessionRoutes = new OpenAPIHono<AppEnv>()
  .openapi(listRoute, async (c) => {
    const caller = c.var.caller!;
    const rows = await c.var.database.db.$primary
      .select({
        id: sessions.id,
        createdAt: sessions.createdAt,
        lastSeenAt: sessions.lastSeenAt,
        expiresAt: sessions.expiresAt,
        userAgent: sessions.userAgent,
      })
      .from(sessions)
      .where(and(eq(sessions.userId, caller.user.id), gt(sessions.expiresAt, new Date())))
      .orderBy(desc(sessions.lastSeenAt), desc(sessions.createdAt))
      .limit(100);
    const items = rows.map((s) => ({
      id: s.id,
      createdAt: s.createdAt.toISOString(),
      lastSeenAt: s.lastSeenAt.toISOString(),
      expiresAt: s.expiresAt.toISOString(),
      userAgent: s.userAgent,
      current: s.id === caller.sessionId,
    }));
    return c.json({ items }, 200);
  })
  .openapi(revokeRoute, async (c) => {
    const { id } = c.req.valid('param');
    const caller = c.var.caller!;
    const deleted = await c.var.database.db.$primary
      .delete(sessions)
      .where(and(eq(sessions.id, id), eq(sessions.userId, caller.user.id)))
      .returning({ id: sessions.id });
    // Another user's session is indistinguishable from one that does not exist.
    if (deleted.length === 0) throw errors.notFound('session');
    forgetSession(id);
    await revokeRoomSockets(c.env, c.var.database.db, c.var.log, { userId: caller.user.id, sessionIds: [id] });
    if (id === caller.sessionId) deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true });
    return c.body(null, 204);
  })
  .openapi(revokeAllRoute, async (c) => {
    const includeCurrent = c.req.valid('query').includeCurrent === 'true';
    const caller = c.var.caller!;
    const deleted = await c.var.database.db.$primary
      .delete(sessions)
      .where(
        includeCurrent
          ? eq(sessions.userId, caller.user.id)
          : and(eq(sessions.userId, caller.user.id), ne(sessions.id, caller.sessionId)),
      )
      .returning({ id: sessions.id });
    for (const { id } of deleted) forgetSession(id);
    await revokeRoomSockets(c.env, c.var.database.db, c.var.log, {
      userId: caller.user.id,
      sessionIds: deleted.map((s) => s.id),
    });
    await recordAudit(
      c,
      'sessions.revoke_all',
      { type: 'user', id: caller.user.id },
      { includeCurrent, revoked: deleted.length },
    );
    if (includeCurrent) deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true });
    return c.json({ revoked: deleted.length }, 200);
  })
  .openapi(changePasswordRoute, async (c) => {
    const body = c.req.valid('json');
    const caller = c.var.caller!;
    // The one rule that needs the account's email, reported like the others (400 validation_failed).
    const policy = z
      .object({ newPassword: passwordFor(caller.user.email) })
      .safeParse({ newPassword: body.newPassword });
    if (!policy.success) throw errors.validation(policy.error);
    const db = c.var.database.db.$primary;
    const [user] = await db
      .select({ passwordHash: users.passwordHash })
      .from(users)
      .where(eq(users.id, caller.user.id))
      .limit(1);
    const attempt = await reserveReauthAttempt(c.env, caller.user.id, 'password');
    if (!user || !(await passwordWork(c.env).run(() => verifyPassword(body.currentPassword, user.passwordHash)))) {
      throw new ApiError(401, 'invalid_credentials', 'The current password is wrong.');
    }
    await attempt.succeeded();
    const passwordHash = await passwordWork(c.env).run(() => hashPassword(body.newPassword));
    const revoked = await db.transaction(async (tx) => {
      await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, caller.user.id));
      return tx
        .delete(sessions)
        .where(and(eq(sessions.userId, caller.user.id), ne(sessions.id, caller.sessionId)))
        .returning({ id: sessions.id });
    });
    for (const { id } of revoked) forgetSession(id);
    await revokeRoomSockets(c.env, c.var.database.db, c.var.log, {
      userId: caller.user.id,
      sessionIds: revoked.map((s) => s.id),
    });
    await recordAudit(c, 'password.change', { type: 'user', id: caller.user.id }, { sessionsRevoked: revoked.length });
    return c.body(null, 204);
  });
