import type { RateLimitDecision, RateLimiter } from './rate-limiter';

export type { RateLimitDecision } from './rate-limiter';

/** The limiter object for a key; keys are namespaced by what they count (`api:user:…`, `login:ip:…`). */
export function rateLimiter(env: Env, key: string): DurableObjectStub<RateLimiter> {
  const namespace = env.RATE_LIMITER as DurableObjectNamespace<RateLimiter>;
  return namespace.get(namespace.idFromName(key));
}

/** IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers) plus Retry-After when refused. */
export function rateLimitHeaders(decision: RateLimitDecision, windowSeconds: number): Record<string, string> {
  const resetSeconds = Math.max(1, Math.ceil(decision.resetMs / 1000));
  return {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(resetSeconds),
    'RateLimit-Policy': `${decision.limit};w=${windowSeconds}`,
    ...(decision.allowed ? {} : { 'Retry-After': String(resetSeconds) }),
  };
}
