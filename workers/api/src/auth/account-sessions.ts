/**
 * A signed-in user's own sessions and password: list, revoke one or all, change the password. On the database that
 * keeps the user's account (the primary, or an EU fan's EU database: residency/personal-database.ts), and each
 * revoked session is forgotten by this isolate's session cache; the caller also closes its live sockets
 * (live/room-sockets.ts), which needs the env.
 */
import { and, desc, eq, gt, ne } from 'drizzle-orm';
import type { AnyDatabase, Database, ReadDatabase } from '#shared/db/client';
import { sessions, users } from '#shared/db/schema';
import type { SessionList } from '#shared/schemas/account';
import { forgetSession } from './session-cache';

export async function listSessions(db: AnyDatabase, userId: string, currentSessionId: string): Promise<SessionList> {
  const rows = await db
    .select({
      id: sessions.id,
      createdAt: sessions.createdAt,
      lastSeenAt: sessions.lastSeenAt,
      expiresAt: sessions.expiresAt,
      userAgent: sessions.userAgent,
    })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, new Date())))
    .orderBy(desc(sessions.lastSeenAt), desc(sessions.createdAt))
    .limit(100);
  return {
    items: rows.map((s) => ({
      id: s.id,
      createdAt: s.createdAt.toISOString(),
      lastSeenAt: s.lastSeenAt.toISOString(),
      expiresAt: s.expiresAt.toISOString(),
      userAgent: s.userAgent,
      current: s.id === currentSessionId,
    })),
  };
}

/** False when the user has no such session (another user's is indistinguishable from one that does not exist). */
export async function revokeSession(db: AnyDatabase, userId: string, sessionId: string): Promise<boolean> {
  const deleted = await db
    .delete(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)))
    .returning({ id: sessions.id });
  if (deleted.length === 0) return false;
  forgetSession(sessionId);
  return true;
}

/** Every session of the user but `keepSessionId` (all of them without it); returns the revoked ids. */
export async function revokeSessions(db: AnyDatabase, userId: string, keepSessionId?: string): Promise<string[]> {
  const deleted = await db
    .delete(sessions)
    .where(
      keepSessionId === undefined
        ? eq(sessions.userId, userId)
        : and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId)),
    )
    .returning({ id: sessions.id });
  for (const { id } of deleted) forgetSession(id);
  return deleted.map((s) => s.id);
}

/** The stored hash; undefined for a user that no longer exists. */
export async function passwordHashOf(db: AnyDatabase, userId: string): Promise<string | undefined> {
  const [user] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId)).limit(1);
  return user?.passwordHash;
}

/**
 * Sets the new hash and signs out every other session, in one transaction; returns the revoked ids. An EU fan's
 * (`eu`, over HTTP, which has no interactive transactions): the hash first, then the sessions, so a failure in
 * between leaves the new password set and the fan able to repeat the change.
 */
export async function changePassword(
  db: Database,
  userId: string,
  passwordHash: string,
  keepSessionId: string,
  eu?: ReadDatabase | null,
): Promise<string[]> {
  if (eu) {
    await eu.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, userId));
    const revoked = await revokeSessions(eu, userId, keepSessionId);
    return revoked;
  }
  const revoked = await db.$primary.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, userId));
    return tx
      .delete(sessions)
      .where(and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId)))
      .returning({ id: sessions.id });
  });
  for (const { id } of revoked) forgetSession(id);
  return revoked.map((s) => s.id);
}
