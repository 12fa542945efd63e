import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppEnv } from '../../app-env';
import { SESSION_COOKIE } from '../../auth/session-token';

/**
 * A request tied to a caller: a token, the session cookie, or a resolved session. Other cookies (analytics,
 * consent, A/B buckets) do not change an answer, so a visitor who carries them still gets the shared copy.
 */
export const isPersonal = (c: Context<AppEnv>) =>
  Boolean(c.req.header('Authorization') || getCookie(c, SESSION_COOKIE) || c.get('caller'));

/** Anonymous, plain GETs only: anything tied to a caller (a token, the session cookie) or an upgrade is never shared. */
export function isCacheable(c: Context<AppEnv>): boolean {
  return c.req.method === 'GET' && !isPersonal(c) && !c.req.header('Upgrade');
}
