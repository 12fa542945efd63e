import { createMiddleware } from 'hono/factory';
import { ApiError } from '#shared/errors';
import { findUnstorableText, isStorableText, UNSTORABLE_TEXT_MESSAGE } from '#shared/schemas/text';
import type { AppEnv } from '../../app-env';
import { errorResponse } from '../error-handler';

const JSON_TYPE = /^application\/([a-z.-]+\+)?json\b/i;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function refused(path: string) {
  return new ApiError(400, 'validation_failed', 'The request is not valid.', [
    { path, code: 'invalid_text', message: UNSTORABLE_TEXT_MESSAGE },
  ]);
}

/**
 * One gate for every text that reaches a route: a path segment, a query parameter or a string anywhere in a
 * JSON body that Postgres could not store (a NUL, a lone surrogate) is a 400 here, before any route's zod
 * schema or SQL sees it. A route cannot forget it, and a schema written tomorrow is covered too. Malformed
 * JSON is left to the route's validator (400 malformed_json).
 */
export const inputText = () =>
  createMiddleware<AppEnv>(async function inputText(c, next) {
    const url = new URL(c.req.url);
    if (/%00/i.test(url.pathname)) return errorResponse(c, refused('path'));
    for (const [name, value] of url.searchParams) {
      if (!isStorableText(name) || !isStorableText(value)) return errorResponse(c, refused(name));
    }
    if (BODY_METHODS.has(c.req.method) && JSON_TYPE.test(c.req.header('Content-Type') ?? '')) {
      let body: unknown;
      try {
        // Hono caches the parsed body: the route's validator reads this same value.
        body = await c.req.json();
      } catch {
        return next();
      }
      const path = findUnstorableText(body);
      if (path) return errorResponse(c, refused(path.map(String).join('.')));
    }
    return next();
  });
