import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { ApiError } from '#shared/errors';
import type { AppEnv } from '../../app-env';
import { type RateLimitDecision, rateLimitHeaders } from '../../rate-limit';
import { RateLimitGate } from '../../rate-limit/gate';
import { pageRequestOf } from '../../web/internal-api';
import { isCacheable } from '../response-cache/cacheable';

/** What the response cache tells the limiter about an anonymous read (see `rateLimit`). */
export interface ReadLimit {
  /** Answered from the cache: counted in this isolate, reported to the limiter object in batches. */
  cached(): void;
  /** The route has to run: the limiter object decides first (throws the 429). */
  uncached(): Promise<void>;
}

function limits(c: Context<AppEnv>) {
  const limit = Number(c.env.RATE_LIMIT_REQUESTS) || 1000;
  const windowSeconds = Number(c.env.RATE_LIMIT_WINDOW_SECONDS) || 60;
  return { limit, windowSeconds };
}

/** The gate of the request's key: its signed-in user, else its client address. */
export function rateLimitGate(c: Context<AppEnv>): RateLimitGate {
  const { limit, windowSeconds } = limits(c);
  const caller = c.get('caller');
  const key = caller ? `api:user:${caller.user.id}` : `api:ip:${c.req.header('CF-Connecting-IP') ?? 'unknown'}`;
  return new RateLimitGate(c.env, key, limit, windowSeconds * 1000);
}

export function rateLimited(c: Context<AppEnv>, decision: RateLimitDecision): ApiError {
  const { limit, windowSeconds } = limits(c);
  const headers = rateLimitHeaders(decision, windowSeconds);
  return new ApiError(
    429,
    'rate_limited',
    `Too many requests: at most ${limit} per ${windowSeconds} s. Retry after ${headers['Retry-After']} s.`,
    undefined,
    headers,
  );
}

function later(c: Context<AppEnv>, work: Promise<void> | undefined): void {
  if (!work) return;
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context (app.request() without one): it finishes on its own.
  }
}

/**
 * The gateway limit: `RATE_LIMIT_REQUESTS` per `RATE_LIMIT_WINDOW_SECONDS` (1,000 per minute) per signed-in
 * user, or per client IP for anonymous requests. Runs after the session middleware so that it can key on
 * the user. Every response carries the RateLimit-* headers; a refused request gets 429 and Retry-After.
 *
 * Exact where the work is (rate-limit/gate.ts): signed-in requests, writes and reads the cache cannot answer ask
 * the key's Durable Object first. Anonymous reads the response cache answers are counted in the isolate and
 * reported in batches, and a key refused once is refused in the isolate until its window ends, so neither pays
 * a round trip. A web page's own API requests are not counted: the page was, once (web/render.tsx).
 */
export const rateLimit = () =>
  createMiddleware<AppEnv>(async function rateLimit(c, next) {
    if (pageRequestOf(c.req.raw)) return next();
    const { windowSeconds } = limits(c);
    const gate = rateLimitGate(c);
    const refused = gate.refusedLocally();
    if (refused) throw rateLimited(c, refused);
    let decision: RateLimitDecision | undefined;
    if (isCacheable(c)) {
      c.set('readLimit', {
        cached: () => {
          decision = gate.countCached();
          later(c, gate.report());
        },
        uncached: async () => {
          decision = await gate.hit();
          if (!decision.allowed) throw rateLimited(c, decision);
        },
      });
    } else {
      decision = await gate.hit();
      if (!decision.allowed) throw rateLimited(c, decision);
    }
    await next();
    // A read that neither the cache nor the route reported (an error before the cache ran) still counts.
    decision ??= await gate.hit();
    // A WebSocket upgrade (101) is passed through untouched; c.header copies responses whose headers are
    // immutable (those from a Durable Object's fetch).
    if (c.res.status === 101 || c.res.status === 429) return;
    for (const [name, value] of Object.entries(rateLimitHeaders(decision, windowSeconds))) c.header(name, value);
  });
