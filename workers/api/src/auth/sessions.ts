import { and, eq, gt, lt, sql } from 'drizzle-orm';
import { hashSessionToken, looksLikeSessionToken, newSessionToken } from '#shared/auth/session-token';
import type { Database } from '#shared/db/client';
import { sessions, type User, users } from '#shared/db/schema';
import type { Me } from '#shared/schemas/auth';
import type { Caller } from '../app-env';

export function toMe(user: Pick<User, 'id' | 'email' | 'displayName' | 'role' | 'createdAt'>): Me {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    createdAt: user.createdAt.toISOString(),
  };
}

export async function createSession(
  db: Database,
  userId: string,
  ttlDays: number,
  meta: { userAgent?: string | undefined; ip?: string | undefined },
): Promise<{ token: string; expiresAt: Date }> {
  const token = newSessionToken();
  const expiresAt = new Date(Date.now() + ttlDays * 86_400_000);
  await db.$primary.insert(sessions).values({
    userId,
    tokenHash: await hashSessionToken(token),
    expiresAt,
    userAgent: meta.userAgent?.slice(0, 300) ?? null,
    ip: meta.ip ?? null,
  });
  return { token, expiresAt };
}

/** `sessions.last_seen_at` is refreshed at most this often per session, so most requests write nothing. */
export const LAST_SEEN_RESOLUTION = sql`interval '5 minutes'`;

/**
 * Resolves a token to its user. Reads the primary: a session created a moment ago (sign-up, then the
 * first request) must be visible, and replicas are asynchronous.
 *
 * Still one round trip, although it also refreshes `last_seen_at` when that is older than 5 minutes: the
 * UPDATE is a data-modifying CTE of the SELECT (Postgres runs it even though the SELECT does not read it).
 * It matches no row — and writes nothing — for all other requests of the session.
 */
export async function findCaller(db: Database, token: string): Promise<Caller | null> {
  if (!looksLikeSessionToken(token)) return null;
  const tokenHash = await hashSessionToken(token);
  const now = new Date();
  const touch = db.$primary.$with('touch_session').as(
    db.$primary
      .update(sessions)
      .set({ lastSeenAt: sql`now()` })
      .where(
        and(
          eq(sessions.tokenHash, tokenHash),
          gt(sessions.expiresAt, now),
          lt(sessions.lastSeenAt, sql`now() - ${LAST_SEEN_RESOLUTION}`),
        ),
      )
      .returning({ id: sessions.id }),
  );
  const [row] = await db.$primary
    .with(touch)
    .select({
      sessionId: sessions.id,
      id: users.id,
      email: users.email,
      displayName: users.displayName,
      role: users.role,
      createdAt: users.createdAt,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, now)))
    .limit(1);
  if (!row) return null;
  return { sessionId: row.sessionId, user: toMe(row) };
}

export async function deleteSession(db: Database, sessionId: string): Promise<void> {
  await db.$primary.delete(sessions).where(eq(sessions.id, sessionId));
}

export async function deleteExpiredSessions(db: Database): Promise<number> {
  const deleted = await db.$primary
    .delete(sessions)
    .where(lt(sessions.expiresAt, new Date()))
    .returning({ id: sessions.id });
  return deleted.length;
}
