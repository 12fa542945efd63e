import { ErrorBodySchema } from '#shared/schemas/common';
import { SESSION_COOKIE } from '../auth/session-token';

/** A JSON body or response described by its zod schema. */
export const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });

/** The error responses every route documents, generated from the one error schema. */
export function errorResponses<const S extends number>(...statuses: S[]) {
  const descriptions: Record<number, string> = {
    400: 'The request is not valid (see details).',
    401: 'Not signed in, or the session has expired.',
    403: 'Signed in, but not allowed.',
    404: 'Not found.',
    409: 'Conflicts with the current state.',
    422: 'Valid, but breaks a rule of the domain.',
    429: 'Too many requests.',
    503: 'A dependency is unavailable; retry after the Retry-After header.',
  };
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: descriptions[status] ?? 'Error', content: { 'application/json': { schema: ErrorBodySchema } } },
    ]),
  ) as { [K in S]: { description: string; content: { 'application/json': { schema: typeof ErrorBodySchema } } } };
}

/**
 * How callers authenticate (registered as components in app.ts): the token that sign-up and log-in return, as
 * `Authorization: Bearer`, or the `msl_session` cookie they set. The two are interchangeable.
 */
export const SECURITY_SCHEMES = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    description: 'The `token` returned by `POST /auth/signup` or `POST /auth/login`.',
  },
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: 'The session cookie set by sign-up and log-in (HttpOnly, Secure, SameSite=Lax).',
  },
} as const;

/** `security` of a route that needs a signed-in caller: either scheme. */
export const SIGNED_IN: Record<string, string[]>[] = [{ bearerAuth: [] }, { sessionCookie: [] }];

/** `security` of a route that serves anonymous callers too, and signed-in ones their own data as well. */
export const SIGN_IN_OPTIONAL: Record<string, string[]>[] = [{}, ...SIGNED_IN];
