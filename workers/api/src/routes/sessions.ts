import { OpenAPIHono } from '@hono/zod-openapi';
import { deleteCookie } from 'hono/cookie';
import { z } from 'zod';
import { ApiError, errors } from '#shared/errors';
import { ChangePasswordBody, SessionList, SessionsRevoked } from '#shared/schemas/account';
import { passwordFor } from '#shared/schemas/auth';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { changePassword, listSessions, passwordHashOf, revokeSession, revokeSessions } from '../auth/account-sessions';
import { reserveReauthAttempt } from '../auth/login-limiter';
import { hashPassword, verifyPassword } from '../auth/password';
import { passwordWork } from '../auth/password-work';
import { SESSION_COOKIE } from '../auth/session-token';
import { route } from '../http/route';
import { revokeRoomSockets } from '../live/room-sockets';
import { callerEuDatabase, personalDatabase } from '../residency/personal-database';

export const sessionRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      method: 'get',
      path: '/me/sessions',
      tag: 'Accounts',
      summary: 'The signed-in sessions of the caller, most recently used first',
      auth: 'fan',
      response: [200, 'The sessions; `current` marks the one of this request.', SessionList],
    }),
    async (c) => {
      const caller = c.var.caller!;
      return c.json(await listSessions(personalDatabase(c), caller.user.id, caller.sessionId), 200);
    },
  )
  .openapi(
    route({
      method: 'delete',
      path: '/me/sessions/{id}',
      tag: 'Accounts',
      summary: 'Sign out one session',
      auth: 'fan',
      params: z.object({ id: z.uuid() }),
      response: [204, 'Signed out.'],
      errors: [400, 404],
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const caller = c.var.caller!;
      // Another user's session is indistinguishable from one that does not exist.
      if (!(await revokeSession(personalDatabase(c), caller.user.id, id))) throw errors.notFound('session');
      await revokeRoomSockets(c.env, c.var.database.db, c.var.log, { userId: caller.user.id, sessionIds: [id] });
      if (id === caller.sessionId) deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true });
      return c.body(null, 204);
    },
  )
  .openapi(
    route({
      method: 'delete',
      path: '/me/sessions',
      tag: 'Accounts',
      summary: 'Sign out everywhere else (or everywhere, with includeCurrent=true)',
      auth: 'fan',
      query: z.object({ includeCurrent: z.enum(['true', 'false']).optional() }),
      response: [200, 'How many sessions were signed out.', SessionsRevoked],
      errors: [400],
    }),
    async (c) => {
      const includeCurrent = c.req.valid('query').includeCurrent === 'true';
      const caller = c.var.caller!;
      const revoked = await revokeSessions(
        personalDatabase(c),
        caller.user.id,
        includeCurrent ? undefined : caller.sessionId,
      );
      await revokeRoomSockets(c.env, c.var.database.db, c.var.log, { userId: caller.user.id, sessionIds: revoked });
      await recordAudit(
        c,
        'sessions.revoke_all',
        { type: 'user', id: caller.user.id },
        { includeCurrent, revoked: revoked.length },
      );
      if (includeCurrent) deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true });
      return c.json({ revoked: revoked.length }, 200);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/me/password',
      tag: 'Accounts',
      summary: 'Change the password; signs out every other session',
      auth: 'fan',
      body: ChangePasswordBody,
      response: [204, 'Changed; this session stays signed in.'],
      errors: [400, 429],
    }),
    async (c) => {
      const body = c.req.valid('json');
      const caller = c.var.caller!;
      // The one rule that needs the account's email, reported like the others (400 validation_failed).
      const policy = z
        .object({ newPassword: passwordFor(caller.user.email) })
        .safeParse({ newPassword: body.newPassword });
      if (!policy.success) throw errors.validation(policy.error);
      const storedHash = await passwordHashOf(personalDatabase(c), caller.user.id);
      const attempt = await reserveReauthAttempt(c.env, caller.user.id, 'password');
      if (!storedHash || !(await passwordWork(c.env).run(() => verifyPassword(body.currentPassword, storedHash)))) {
        throw new ApiError(401, 'invalid_credentials', 'The current password is wrong.');
      }
      await attempt.succeeded();
      const passwordHash = await passwordWork(c.env).run(() => hashPassword(body.newPassword));
      const revoked = await changePassword(
        c.var.database.db,
        caller.user.id,
        passwordHash,
        caller.sessionId,
        callerEuDatabase(c),
      );
      await revokeRoomSockets(c.env, c.var.database.db, c.var.log, { userId: caller.user.id, sessionIds: revoked });
      await recordAudit(
        c,
        'password.change',
        { type: 'user', id: caller.user.id },
        { sessionsRevoked: revoked.length },
      );
      return c.body(null, 204);
    },
  );
