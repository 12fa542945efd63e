import { and, eq, gt, lt, sql } from 'drizzle-orm';
import type { AnyDatabase, Database, ReadDatabase } from '#shared/db/client';
import { sessions, type User, users } from '#shared/db/schema';
import type { Me } from '#shared/schemas/auth';
import { DAY_MS } from '#shared/time';
import type { Caller } from '../app-env';
import { EU_TOKEN_PREFIX, type HomeRegion, tokenRegion } from '../residency/region';
import { cachedSession, cacheSession, forgetSession, sessionCacheMs } from './session-cache';
import { hashSessionToken, looksLikeSessionToken, newSessionToken } from './session-token';

export function toMe(user: Pick<User, 'id' | 'email' | 'displayName' | 'role' | 'createdAt'>): Me {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    createdAt: user.createdAt.toISOString(),
  };
}

/**
 * A new session in the database that keeps the user's personal data: the primary, or for an EU fan (`eu`: the EU
 * database, workers/api/src/residency) there, with a token that says so (`EU_TOKEN_PREFIX`).
 */
export async function createSession(
  db: Database,
  userId: string,
  ttlDays: number,
  meta: { userAgent?: string | undefined; ip?: string | undefined },
  eu?: ReadDatabase,
): Promise<{ token: string; expiresAt: Date }> {
  const token = eu ? `${EU_TOKEN_PREFIX}${newSessionToken()}` : newSessionToken();
  const expiresAt = new Date(Date.now() + ttlDays * DAY_MS);
  const row = {
    userId,
    tokenHash: await hashSessionToken(token),
    expiresAt,
    userAgent: meta.userAgent?.slice(0, 300) ?? null,
    ip: meta.ip ?? null,
  };
  if (eu) await eu.insert(sessions).values(row);
  else await db.$primary.insert(sessions).values(row);
  return { token, expiresAt };
}

/** `sessions.last_seen_at` is refreshed at most this often per session, so most requests write nothing. */
export const LAST_SEEN_RESOLUTION_MS = 5 * 60_000;

export interface CallerLookup {
  /** The primary over SQL over HTTP: one round trip on a pooled connection, no WebSocket of the request's own. */
  primaryHttp: ReadDatabase;
  /** The EU database (per-fan residency), where EU fans' sessions are; null when none is configured. */
  eu: ReadDatabase | null;
  env: { SESSION_CACHE_SECONDS?: string };
  /** Runs work after the response (ctx.waitUntil); awaited when there is no execution context. */
  later: (work: Promise<unknown>) => void;
}

/**
 * Resolves a token to its user: from this isolate's cache of sessions verified in the last few seconds
 * (auth/session-cache.ts, which is also where revocation is handled), else with one read of the primary over
 * HTTP (a session created a moment ago must be visible, and replicas are asynchronous). `last_seen_at` is
 * refreshed when it is older than 5 minutes, after the response, never on the request's critical path.
 */
export async function findCaller(lookup: CallerLookup, token: string): Promise<Caller | null> {
  const region: HomeRegion | null = tokenRegion(token);
  if (!looksLikeSessionToken(region ? token.slice(EU_TOKEN_PREFIX.length) : token)) return null;
  // An EU fan's session, and their account, are in the EU database (workers/api/src/residency).
  const reader = region ? lookup.eu : lookup.primaryHttp;
  if (!reader) return null;
  const tokenHash = await hashSessionToken(token);
  const now = Date.now();
  let entry = cachedSession(tokenHash, now);
  if (!entry) {
    const [row] = await reader
      .select({
        sessionId: sessions.id,
        expiresAt: sessions.expiresAt,
        lastSeenAt: sessions.lastSeenAt,
        id: users.id,
        email: users.email,
        displayName: users.displayName,
        role: users.role,
        createdAt: users.createdAt,
      })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, new Date(now))))
      .limit(1);
    if (!row) return null;
    entry = {
      caller: { sessionId: row.sessionId, user: toMe(row), ...(region ? { homeRegion: region } : {}) },
      expiresAt: row.expiresAt.getTime(),
      lastSeenAt: row.lastSeenAt.getTime(),
    };
    cacheSession(tokenHash, entry, sessionCacheMs(lookup.env));
  }
  if (now - entry.lastSeenAt > LAST_SEEN_RESOLUTION_MS) {
    entry.lastSeenAt = now;
    lookup.later(
      reader.update(sessions).set({ lastSeenAt: sql`now()` }).where(eq(sessions.id, entry.caller.sessionId)),
    );
  }
  return entry.caller;
}

/** Ends a session; `eu`: an EU fan's, in the EU database. */
export async function deleteSession(db: Database, sessionId: string, eu?: ReadDatabase | null): Promise<void> {
  if (eu) await eu.delete(sessions).where(eq(sessions.id, sessionId));
  else await db.$primary.delete(sessions).where(eq(sessions.id, sessionId));
  forgetSession(sessionId);
}

/** On the primary (`db.$primary`), or the EU database of per-fan residency. */
export async function deleteExpiredSessions(db: AnyDatabase): Promise<number> {
  const deleted = await db.delete(sessions).where(lt(sessions.expiresAt, new Date())).returning({ id: sessions.id });
  return deleted.length;
}
