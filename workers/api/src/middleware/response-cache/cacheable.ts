import type { Context } from 'hono';
import type { AppEnv } from '../../app-env';

/** A request tied to a caller: a token, a cookie, or a resolved session. */
export const isPersonal = (c: Context<AppEnv>) =>
  Boolean(c.req.header('Authorization') || c.req.header('Cookie') || c.get('caller'));

/** Anonymous, plain GETs only: anything tied to a caller (a token, a cookie) or an upgrade is never shared. */
export function isCacheable(c: Context<AppEnv>): boolean {
  return c.req.method === 'GET' && !isPersonal(c) && !c.req.header('Upgrade');
}
