import { LRUCache } from 'lru-cache';
import type { Caller } from '../app-env';

/**
 * Sessions this isolate verified a moment ago, by token hash: a signed-in fan's requests (a page and its API
 * calls, the votes, the live room's joins) come in bursts, and each would otherwise read `sessions` again.
 *
 * Revocation: every code path that ends a session or changes what a session carries (log-out, revoking one or
 * all sessions, a password change, account erasure, a role change) calls `forgetSession` / `forgetUserSessions`,
 * which takes effect at once in this isolate. Other isolates keep their copy for at most `SESSION_CACHE_SECONDS`
 * (default 5): that is the bound on how long a revoked session can still be used elsewhere. "0" turns the cache off.
 */
export interface CachedSession {
  caller: Caller;
  /** When the session itself expires (ms since epoch): a cached copy is never used past it. */
  expiresAt: number;
  /** `sessions.last_seen_at` as last read or written (ms since epoch). */
  lastSeenAt: number;
}

export const DEFAULT_SESSION_CACHE_SECONDS = 5;
const MAX_SESSIONS = 10_000;

// No timers (`ttlResolution: 0`, no autopurge): workerd ties timers to the request that set them.
const cache = new LRUCache<string, CachedSession>({
  max: MAX_SESSIONS,
  ttlResolution: 0,
  perf: { now: () => Date.now() },
});

export function sessionCacheMs(env: { SESSION_CACHE_SECONDS?: string }): number {
  const n = Number(env.SESSION_CACHE_SECONDS);
  return (
    (env.SESSION_CACHE_SECONDS !== undefined && Number.isFinite(n) && n >= 0 ? n : DEFAULT_SESSION_CACHE_SECONDS) * 1000
  );
}

export function cachedSession(tokenHash: string, now = Date.now()): CachedSession | undefined {
  const entry = cache.get(tokenHash);
  if (entry && entry.expiresAt <= now) {
    cache.delete(tokenHash);
    return undefined;
  }
  return entry;
}

export function cacheSession(tokenHash: string, entry: CachedSession, ttlMs: number): void {
  if (ttlMs <= 0) return;
  cache.set(tokenHash, entry, { ttl: Math.max(1, Math.min(ttlMs, entry.expiresAt - Date.now())) });
}

/** Drops one session from this isolate's cache (log-out, revocation of that session). */
export function forgetSession(sessionId: string): void {
  for (const [hash, entry] of cache.entries()) if (entry.caller.sessionId === sessionId) cache.delete(hash);
}

/** Drops every session of a user (revoke all, password change, erasure, role change). */
export function forgetUserSessions(userId: string): void {
  for (const [hash, entry] of cache.entries()) if (entry.caller.user.id === userId) cache.delete(hash);
}

/** Empties the cache (tests). */
export function clearSessionCache(): void {
  cache.clear();
}
