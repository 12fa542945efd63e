import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { ErrorPage } from './pages/error';
import { html, pageCaller } from './render';

/** Browsers asking for a page that does not exist get an HTML 404; API clients keep the JSON error. */
export function wantsPage(c: Context<AppEnv>): boolean {
  return !c.req.path.startsWith('/v1/') && c.req.path !== '/v1' && (c.req.header('Accept') ?? '').includes('text/html');
}

export async function notFoundPage(c: Context<AppEnv>): Promise<Response> {
  let me = null;
  try {
    me = await pageCaller(c);
  } catch {
    // The 404 page never fails because the database does.
  }
  const res = await html(c, { title: 'Not found', me, children: <ErrorPage status={404} /> }, 404);
  res.headers.set('Cache-Control', 'no-store');
  return res;
}
