import { createMiddleware } from 'hono/factory';
import { ApiError } from '#shared/errors';
import type { AppEnv } from '../../app-env';
import { rateLimiter, rateLimitHeaders } from '../../rate-limit';

/**
 * The gateway limit: `RATE_LIMIT_REQUESTS` per `RATE_LIMIT_WINDOW_SECONDS` (1,000 per minute) per signed-in
 * user, or per client IP for anonymous requests. Runs after the session middleware so that it can key on
 * the user. Every response carries the RateLimit-* headers; a refused request gets 429 and Retry-After.
 */
export const rateLimit = () =>
  createMiddleware<AppEnv>(async function rateLimit(c, next) {
    const limit = Number(c.env.RATE_LIMIT_REQUESTS) || 1000;
    const windowSeconds = Number(c.env.RATE_LIMIT_WINDOW_SECONDS) || 60;
    const caller = c.get('caller');
    const key = caller ? `api:user:${caller.user.id}` : `api:ip:${c.req.header('CF-Connecting-IP') ?? 'unknown'}`;
    const decision = await rateLimiter(c.env, key).hit(limit, windowSeconds * 1000);
    const headers = rateLimitHeaders(decision, windowSeconds);
    if (!decision.allowed) {
      throw new ApiError(
        429,
        'rate_limited',
        `Too many requests: at most ${limit} per ${windowSeconds} s. Retry after ${headers['Retry-After']} s.`,
        undefined,
        headers,
      );
    }
    await next();
    // A WebSocket upgrade (101) is passed through untouched; c.header copies responses whose headers are
    // immutable (those from a Durable Object's fetch).
    if (c.res.status === 101) return;
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
  });
