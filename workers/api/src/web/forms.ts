import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import type { ApiFailure } from './internal-api';

/** A form's text fields (files and repeated fields are not used by any page). */
export async function formFields(c: Context<AppEnv>): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  return Object.fromEntries(Object.entries(body).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])));
}

/** Optional text: an empty field means "not given". */
export const optional = (value: string | undefined) => (value && value.trim() ? value.trim() : undefined);

/** The API's error as a sentence for the form, with the field-level messages of a validation failure. */
export function failureText(failure: ApiFailure): string {
  const details = Array.isArray(failure.details)
    ? (failure.details as { path?: string; message?: string }[])
        .map((d) => (d.path ? `${d.path}: ${d.message}` : d.message))
        .filter(Boolean)
    : [];
  return details.length ? `${failure.message} ${details.join(' ')}` : failure.message;
}

/** A redirect after a successful form post (POST → 303 → GET), carrying the API's Set-Cookie headers. */
export function redirectWithCookies(c: Context<AppEnv>, location: string, from?: Response): Response {
  const res = c.redirect(location, 303);
  for (const cookie of from?.headers.getSetCookie() ?? []) res.headers.append('Set-Cookie', cookie);
  res.headers.set('Cache-Control', 'no-store');
  return res;
}

/** `?notice=` / `?error=` on the page a form returns to, shown once by <Flash>. */
export function withMessage(path: string, kind: 'notice' | 'error', text: string): string {
  const url = new URL(path, 'http://x');
  url.searchParams.set(kind, text);
  return `${url.pathname}${url.search}`;
}
