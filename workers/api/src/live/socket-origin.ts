/**
 * Cross-site WebSocket hijacking: browsers send cookies with a WebSocket handshake to any site, whichever page
 * opened it, and the same-origin policy does not apply to WebSockets. A page on evil.example could open a socket
 * to the live room as the visitor and vote for them. So a socket that the session cookie authenticates must come
 * from this site or one of `WEB_ORIGINS`. Sockets authenticated by a token (`Authorization`, `?token=`) carry a
 * secret no other site has, and anonymous ones can do nothing a stranger could not: those are not checked.
 * Browsers always send `Origin` on a handshake; a request without one is not from a browser page.
 */
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppEnv } from '../app-env';
import { SESSION_COOKIE } from '../auth/session-token';
import { webOrigins } from '../middleware/cors-policy/web-origins';

/** Whether the session cookie, rather than a token, is what signed this request in (middleware/session). */
function signedInByCookie(c: Context<AppEnv>): boolean {
  return (
    c.var.caller !== null &&
    !c.req.header('Authorization')?.startsWith('Bearer ') &&
    getCookie(c, SESSION_COOKIE) !== undefined
  );
}

export function socketOriginAllowed(c: Context<AppEnv>): boolean {
  if (!signedInByCookie(c)) return true;
  const origin = c.req.header('Origin');
  if (origin === undefined) return true;
  return origin === new URL(c.req.url).origin || webOrigins(c.env).includes(origin);
}
