import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { errors } from '#shared/errors';
import type { AppEnv } from '../../app-env';
import { SESSION_COOKIE } from '../../auth/session-token';
import { type CallerLookup, findCaller } from '../../auth/sessions';
import { pageRequestOf } from '../../web/internal-api';

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

/** How a request looks its caller up: the primary over HTTP, and the session's refresh after the response. */
export function callerLookup(c: Context<AppEnv>): CallerLookup {
  return {
    primaryHttp: c.var.database.primaryHttp,
    eu: c.var.database.eu,
    env: c.env,
    later: (work) => {
      const settled = work.then(
        () => {},
        (err: unknown) => c.get('log')?.warn('session: last_seen_at refresh failed', { err }),
      );
      try {
        c.executionCtx.waitUntil(settled);
      } catch {
        // No execution context (app.request() in tests): it finishes on its own.
      }
    },
  };
}

/**
 * Resolves the caller once per request. Anonymous requests never touch the database. Browsers cannot set
 * headers on a WebSocket, so the `token` query parameter is accepted on upgrade requests only, where it
 * does not end up in Referer headers or shared links.
 */
export const session = () =>
  createMiddleware<AppEnv>(async function session(c, next) {
    // A page's own API request: the page resolved the caller already.
    const page = pageRequestOf(c.req.raw);
    if (page) {
      c.set('caller', page.caller);
      return next();
    }
    const isUpgrade = c.req.header('Upgrade')?.toLowerCase() === 'websocket';
    const token = sessionToken(c.req, getCookie(c, SESSION_COOKIE), isUpgrade);
    c.set('caller', token ? await findCaller(callerLookup(c), token) : null);
    await next();
  });

/** Route guard: 401 unless signed in. */
export const requireCaller = () =>
  createMiddleware<AppEnv>(async function requireCaller(c, next) {
    if (!c.get('caller')) throw errors.unauthenticated();
    await next();
  });
