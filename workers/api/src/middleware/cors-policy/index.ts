import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../app-env';
import { webOrigins } from './web-origins';

/** Response headers a browser client needs to read (request id for support, rate-limit budget, version). */
const EXPOSED = [
  'X-Request-Id',
  'API-Version',
  'Retry-After',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'RateLimit-Policy',
];

/**
 * CORS for the web origins in `WEB_ORIGINS` only, with credentials (the session cookie). Any other origin gets
 * no CORS headers, so browsers refuse to expose responses to it. Preflights are answered here, before the
 * session and rate-limit middleware, so they cost nothing.
 */
export const corsPolicy = () =>
  createMiddleware<AppEnv>(async function corsPolicy(c, next) {
    const allowed = webOrigins(c.env);
    return cors({
      origin: (origin) => (allowed.includes(origin) ? origin : null),
      credentials: true,
      allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'Authorization', 'X-Request-Id'],
      exposeHeaders: EXPOSED,
      maxAge: 600,
    })(c, next);
  });
