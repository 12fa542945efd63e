import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { SESSION_COOKIE } from '#shared/auth/session-token';
import { errors } from '#shared/errors';
import type { AppEnv } from '../../app-env';
import { findCaller } from '../../auth/sessions';

/** The session token from `Authorization: Bearer`, the session cookie, or (WebSocket clients only) `?token=`. */
export function sessionToken(
  req: { header(name: string): string | undefined; query(name: string): string | undefined },
  cookie: string | undefined,
  allowQuery: boolean,
): string | undefined {
  const authorization = req.header('Authorization');
  if (authorization?.startsWith('Bearer ')) return authorization.slice('Bearer '.length).trim();
  if (cookie) return cookie;
  return allowQuery ? req.query('token') : undefined;
}

/**
 * Resolves the caller once per request. Anonymous requests never touch the database. Browsers cannot set
 * headers on a WebSocket, so the `token` query parameter is accepted on upgrade requests only, where it
 * does not end up in Referer headers or shared links.
 */
export const session = () =>
  createMiddleware<AppEnv>(async function session(c, next) {
    const isUpgrade = c.req.header('Upgrade')?.toLowerCase() === 'websocket';
    const token = sessionToken(c.req, getCookie(c, SESSION_COOKIE), isUpgrade);
    c.set('caller', token ? await findCaller(c.var.database.db, token) : null);
    await next();
  });

/** Route guard: 401 unless signed in. */
export const requireCaller = () =>
  createMiddleware<AppEnv>(async function requireCaller(c, next) {
    if (!c.get('caller')) throw errors.unauthenticated();
    await next();
  });
