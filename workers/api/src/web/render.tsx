import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Me } from '#shared/schemas/auth';
import type { AppEnv } from '../app-env';
import { SESSION_COOKIE } from '../auth/session-token';
import { findCaller } from '../auth/sessions';
import { rateLimited, rateLimitGate } from '../middleware/rate-limit';
import { callerLookup, sessionToken } from '../middleware/session';
import { type ApiFetch, InternalApi, PageError } from './internal-api';
import { Layout, type LayoutProps } from './layout';
import { ErrorPage } from './pages/error';

export interface PageContext {
  c: Context<AppEnv>;
  api: InternalApi;
  me: Me | null;
}

/**
 * Pages load scripts, styles and connections from this origin only (the live room's WebSocket included);
 * images may come from anywhere over HTTPS (artist photos). Inline style attributes carry the bars' lengths.
 */
export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/** Renders a full HTML document. Pages are plain HTML first: every script only enhances what is already there. */
export async function html(
  c: Context<AppEnv>,
  props: LayoutProps,
  status: 200 | 201 | 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 500 | 503 = 200,
): Promise<Response> {
  const body = await (<Layout {...props} />).toString();
  c.header('Content-Security-Policy', PAGE_CSP);
  return c.html(`<!doctype html>\n${body}`, status);
}

/** The signed-in user of a page request (cookie only: pages are for browsers), or null. */
export async function pageCaller(c: Context<AppEnv>): Promise<Me | null> {
  const existing = c.get('caller');
  if (existing !== undefined) return existing?.user ?? null;
  const token = sessionToken(c.req, getCookie(c, SESSION_COOKIE), false);
  const caller = token ? await findCaller(callerLookup(c), token) : null;
  c.set('caller', caller);
  return caller?.user ?? null;
}

export async function errorPage(c: Context<AppEnv>, me: Me | null, err: PageError): Promise<Response> {
  const { status } = err.failure;
  const shown = status === 404 || status === 403 || status === 400 || status === 429 || status === 503 ? status : 500;
  if (shown === 500) c.get('log')?.error('page failed', { status, code: err.failure.code });
  return html(
    c,
    {
      title: shown === 404 ? 'Not found' : 'Something went wrong',
      me,
      children: <ErrorPage status={shown} message={err.failure.message} />,
    },
    shown,
  );
}

export type PageHandler = (page: PageContext) => Promise<Response>;

/**
 * Wraps a page: resolves the caller, gives it the internal API client, turns an API failure that decides the
 * page into the matching error page (401 → the log-in page, coming back here afterwards). `shared`: the route is
 * wrapped in the response cache, which decides its Cache-Control.
 */
export function pageRoute(fetchApi: ApiFetch, handler: PageHandler, options: { shared?: boolean } = {}) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const me = await pageCaller(c);
    // Counted once per page, as one request of its caller; its API requests are not counted again.
    const gate = rateLimitGate(c);
    const refused = gate.refusedLocally() ?? (await gate.hit().then((d) => (d.allowed ? undefined : d)));
    if (refused) {
      const limited = rateLimited(c, refused);
      const res = await errorPage(
        c,
        me,
        new PageError({ ok: false, status: 429, code: limited.code, message: limited.message }),
      );
      for (const [name, value] of Object.entries(limited.headers ?? {})) res.headers.set(name, value);
      res.headers.set('Cache-Control', 'no-store');
      return res;
    }
    try {
      const res = await handler({ c, api: new InternalApi(c, fetchApi), me });
      // Shared pages get theirs from the response cache around them; every other page is never stored.
      if (!options.shared && !res.headers.has('Cache-Control'))
        res.headers.set('Cache-Control', c.req.header('Cookie') ? 'private, no-store' : 'no-store');
      return res;
    } catch (err) {
      if (!(err instanceof PageError)) throw err;
      if (err.failure.status === 401) return c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`, 303);
      const res = await errorPage(c, me, err);
      res.headers.set('Cache-Control', 'no-store');
      return res;
    }
  };
}

/** Signed-in pages: anonymous visitors go to the log-in page first. */
export function requireMe(page: PageContext): Me {
  if (!page.me) throw new PageError({ ok: false, status: 401, code: 'unauthenticated', message: 'Log in first.' });
  return page.me;
}
