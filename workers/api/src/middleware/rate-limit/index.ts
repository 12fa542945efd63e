import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { ApiError } from '#shared/errors';
import type { AppEnv } from '../../app-env';
import { SESSION_COOKIE } from '../../auth/session-token';
import { type RateLimitDecision, rateLimitHeaders } from '../../rate-limit';
import { limitsOf, rateLimitedError, rememberRefusedToken } from '../../rate-limit/early-refusal';
import { RateLimitGate } from '../../rate-limit/gate';
import { pageRequestOf } from '../../web/internal-api';
import { isCacheable } from '../response-cache/cacheable';
import { sessionToken } from '../session';

/** What the response cache tells the limiter about an anonymous read (see `rateLimit`). */
export interface ReadLimit {
  /** Answered from the cache: counted in this isolate, reported to the limiter object in batches. */
  cached(): void;
  /** The route has to run: the limiter object decides first (throws the 429). */
  uncached(): Promise<void>;
}

const limits = (c: Context<AppEnv>) => limitsOf(c.env);

/** The gate of the request's key: its signed-in user, else its client address. */
export function rateLimitGate(c: Context<AppEnv>): RateLimitGate {
  const { limit, windowSeconds } = limits(c);
  return new RateLimitGate(c.env, keyOf(c), limit, windowSeconds * 1000);
}

function keyOf(c: Context<AppEnv>): string {
  const caller = c.get('caller');
  return caller ? `api:user:${caller.user.id}` : `api:ip:${c.req.header('CF-Connecting-IP') ?? 'unknown'}`;
}

export function rateLimited(c: Context<AppEnv>, decision: RateLimitDecision): ApiError {
  return rateLimitedError(c.env, decision);
}

/**
 * The 429 of the gateway limit. A signed-in caller's token is remembered with its key, so that its next requests
 * in the window are refused before the app runs (rate-limit/early-refusal.ts), like anonymous ones.
 */
function refuse(c: Context<AppEnv>, decision: RateLimitDecision): ApiError {
  if (c.get('caller')) {
    const isUpgrade = c.req.header('Upgrade')?.toLowerCase() === 'websocket';
    const token = sessionToken(c.req, getCookie(c, SESSION_COOKIE), isUpgrade);
    if (token) rememberRefusedToken(token, keyOf(c));
  }
  return rateLimited(c, decision);
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
    if (refused) throw refuse(c, refused);
    let decision: RateLimitDecision | undefined;
    if (isCacheable(c)) {
      c.set('readLimit', {
        cached: () => {
          decision = gate.countCached();
          later(c, gate.report());
        },
        uncached: async () => {
          decision = await gate.hit();
          if (!decision.allowed) throw refuse(c, decision);
        },
      });
    } else {
      decision = await gate.hit();
      if (!decision.allowed) throw refuse(c, decision);
    }
    await next();
    // A read that neither the cache nor the route reported (an error before the cache ran) still counts.
    decision ??= await gate.hit();
    // A WebSocket upgrade (101) is passed through untouched; c.header copies responses whose headers are
    // immutable (those from a Durable Object's fetch).
    if (c.res.status === 101 || c.res.status === 429) return;
    for (const [name, value] of Object.entries(rateLimitHeaders(decision, windowSeconds))) c.header(name, value);
  });
