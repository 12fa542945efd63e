import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { errors } from '#shared/errors';
import { LogInBody, Me, SessionCreated, SignUpBody } from '#shared/schemas/auth';
import type { AppEnv } from '../app-env';
import { reserveLoginAttempt } from '../auth/login-limiter';
import { mfaErrors, verifySecondFactor } from '../auth/mfa';
import { decoyPasswordHash, hashPassword, verifyPassword } from '../auth/password';
import { passwordWork } from '../auth/password-work';
import { SESSION_COOKIE } from '../auth/session-token';
import { createSession, deleteSession, toMe } from '../auth/sessions';
import { createUser, userForLogIn } from '../auth/users';
import { route } from '../http/route';
import { revokeRoomSockets } from '../live/room-sockets';
import { createEuUser, euUserForLogIn } from '../residency/eu-accounts';
import { signUpRegion } from '../residency/region';

function startSession(c: Context<AppEnv>, token: string, expiresAt: Date): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    secure: true,
    sameSite: 'Lax',
    path: '/',
    expires: expiresAt,
  });
}

function clientMeta(c: Context<AppEnv>) {
  return { userAgent: c.req.header('User-Agent'), ip: c.req.header('CF-Connecting-IP') };
}

export const authRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      method: 'post',
      path: '/auth/signup',
      tag: 'Accounts',
      summary: 'Create an account and sign in',
      body: SignUpBody,
      response: [201, 'Account created; the session token is returned and set as a cookie.', SessionCreated],
      // 429 too_busy: too many password hashes at this moment (Retry-After).
      errors: [400, 409, 429],
    }),
    async (c) => {
      const body = c.req.valid('json');
      const db = c.var.database.db;
      const country = (c.req.raw.cf as { country?: string } | undefined)?.country;
      // Where the fan's personal data is kept (residency/region.ts): the EU database, or the primary.
      const eu = signUpRegion(c.env, country, body.dataRegion) === 'eu' ? c.var.database.eu! : undefined;
      const passwordHash = await passwordWork(c.env).run(() => hashPassword(body.password));
      const account = { email: body.email, passwordHash, displayName: body.displayName ?? body.email.split('@')[0]! };
      const user = eu ? await createEuUser(db, eu, account) : await createUser(db, account, c.var.database.eu);
      const ttlDays = Number(c.env.SESSION_TTL_DAYS);
      const { token, expiresAt } = await createSession(db, user.id, ttlDays, clientMeta(c), eu);
      startSession(c, token, expiresAt);
      c.var.log.info('user signed up', { userId: user.id });
      return c.json({ user: toMe(user), token, expiresAt: expiresAt.toISOString() }, 201);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/auth/login',
      tag: 'Accounts',
      summary: 'Sign in with email and password',
      body: LogInBody,
      response: [200, 'Signed in.', SessionCreated],
      // 401 mfa_required: MFA is on and neither `totp` nor `recoveryCode` was sent; 401 invalid_mfa_code: a wrong or used code.
      errors: [400, 401, 429],
    }),
    async (c) => {
      const body = c.req.valid('json');
      const db = c.var.database.db;
      const eu = c.var.database.eu;
      // An EU fan's email is only in the EU database (residency/eu-accounts.ts).
      const row = (await userForLogIn(db, body.email)) ?? (eu ? await euUserForLogIn(db, eu, body.email) : undefined);
      const user = row?.user;
      const euAccount = user?.homeRegion === 'eu' && eu ? eu : undefined;
      const ip = c.req.header('CF-Connecting-IP');
      const attempt = await reserveLoginAttempt(c.env, body.email, ip);
      const ok = await passwordWork(c.env).run(async () =>
        verifyPassword(body.password, user?.passwordHash ?? (await decoyPasswordHash())),
      );
      if (!user || !ok) throw errors.invalidCredentials();
      // The second factor is asked for only after the password, so MFA status is not revealed to strangers.
      if (row?.mfaEnabledAt) {
        if (!body.totp && !body.recoveryCode) {
          // The right password, the code still to come: not a failure.
          await attempt.succeeded();
          throw mfaErrors.required();
        }
        if (!(await verifySecondFactor(euAccount ?? db.$primary, c.env, user.id, body))) throw mfaErrors.invalidCode();
      }
      await attempt.succeeded();
      const ttlDays = Number(c.env.SESSION_TTL_DAYS);
      const { token, expiresAt } = await createSession(db, user.id, ttlDays, clientMeta(c), euAccount);
      startSession(c, token, expiresAt);
      return c.json({ user: toMe(user), token, expiresAt: expiresAt.toISOString() }, 200);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/auth/logout',
      tag: 'Accounts',
      summary: 'End the current session',
      auth: 'fan',
      response: [204, 'Signed out.'],
    }),
    async (c) => {
      const caller = c.var.caller!;
      await deleteSession(
        c.var.database.db,
        caller.sessionId,
        caller.homeRegion === 'eu' ? c.var.database.eu : undefined,
      );
      await revokeRoomSockets(c.env, c.var.database.db, c.var.log, {
        userId: caller.user.id,
        sessionIds: [caller.sessionId],
      });
      deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true });
      return c.body(null, 204);
    },
  )
  .openapi(
    route({
      method: 'get',
      path: '/me',
      tag: 'Accounts',
      summary: 'The signed-in user',
      auth: 'fan',
      response: [200, 'The caller.', Me],
    }),
    (c) => c.json(c.var.caller!.user, 200),
  );
