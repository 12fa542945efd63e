/**
 * EU fans' accounts (docs/operations.md, "Regions and residency"): the `users` row with the email, display name
 * and password hash, and the `sessions` rows (user agent, IP), in the EU database; in the primary a pseudonymous
 * `users` row under the same id (`pseudonymousAccount`), which votes, scores and leaderboards reference.
 *
 * The EU database is reached over SQL over HTTP, one statement per round trip: the few writes here are ordered so
 * that a failure half-way leaves no personal data behind in the primary and no orphan the fan cannot retry.
 */
import { desc, eq } from 'drizzle-orm';
import type { Database, ReadDatabase } from '#shared/db/client';
import { isUniqueViolation } from '#shared/db/errors';
import {
  notificationPreferences,
  notificationSettings,
  pushSubscriptions,
  recoveryCodes,
  sessions,
  type User,
  userMfa,
  users,
} from '#shared/db/schema';
import { errors } from '#shared/errors';
import type { DataExport } from '#shared/schemas/privacy';
import { toMe } from '../auth/sessions';
import { moveMfaToEu } from './eu-mfa';
import { pseudonymousAccount } from './region';

const emailTaken = () => errors.conflict('email_taken', 'An account with this email already exists.');

/** Whether the EU database has an account with this email (one email, one account, wherever it lives). */
export async function euEmailTaken(eu: ReadDatabase, email: string): Promise<boolean> {
  const [row] = await eu.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
  return !!row;
}

/**
 * A new EU fan: the account in the EU database first (its unique email index decides a race there), then the
 * pseudonymous row in the primary; if that fails, the EU row is removed again. 409 `email_taken` when either
 * database has the email.
 */
export async function createEuUser(
  db: Database,
  eu: ReadDatabase,
  account: { email: string; passwordHash: string; displayName: string },
): Promise<User> {
  const [taken] = await db.$primary.select({ id: users.id }).from(users).where(eq(users.email, account.email)).limit(1);
  if (taken) throw emailTaken();
  const id = crypto.randomUUID();
  let user: User | undefined;
  try {
    [user] = await eu
      .insert(users)
      .values({ id, ...account, homeRegion: 'eu' })
      .returning();
  } catch (err) {
    if (isUniqueViolation(err)) throw emailTaken();
    throw err;
  }
  if (!user) throw errors.internal();
  try {
    await db.$primary.insert(users).values({ id, ...pseudonymousAccount(id), createdAt: user.createdAt });
  } catch (err) {
    await eu.delete(users).where(eq(users.id, id));
    throw err;
  }
  return user;
}

/**
 * The EU account with that email, for log-in, and whether two-step verification is on, which is kept in the EU
 * database too (rows left in the primary from before are moved there first: eu-mfa.ts).
 */
export async function euUserForLogIn(
  db: Database,
  eu: ReadDatabase,
  email: string,
): Promise<{ user: User; mfaEnabledAt: Date | null } | undefined> {
  const [user] = await eu.select().from(users).where(eq(users.email, email)).limit(1);
  if (!user) return undefined;
  await moveMfaToEu(db, eu, user.id);
  const [mfa] = await eu
    .select({ enabledAt: userMfa.enabledAt })
    .from(userMfa)
    .where(eq(userMfa.userId, user.id))
    .limit(1);
  return { user, mfaEnabledAt: mfa?.enabledAt ?? null };
}

/** The parts of an EU fan's export that live in the EU database: the profile, the sessions and whether MFA is on. */
export async function euExportParts(
  eu: ReadDatabase,
  userId: string,
): Promise<Pick<DataExport, 'profile' | 'sessions' | 'mfa'> | undefined> {
  const [[user], rows, [mfa]] = await Promise.all([
    eu.select().from(users).where(eq(users.id, userId)),
    eu.select().from(sessions).where(eq(sessions.userId, userId)).orderBy(desc(sessions.createdAt)),
    eu.select({ enabledAt: userMfa.enabledAt }).from(userMfa).where(eq(userMfa.userId, userId)),
  ]);
  if (!user) return undefined;
  return {
    profile: toMe(user),
    mfa: { enabled: Boolean(mfa?.enabledAt) },
    sessions: rows.map((s) => ({
      id: s.id,
      createdAt: s.createdAt.toISOString(),
      lastSeenAt: s.lastSeenAt.toISOString(),
      expiresAt: s.expiresAt.toISOString(),
      userAgent: s.userAgent,
      ip: s.ip,
    })),
  };
}

/**
 * Erases an EU fan's account from the EU database: notification settings, push devices, two-step verification,
 * sessions, then the account.
 */
export async function eraseEuUser(eu: ReadDatabase, userId: string): Promise<void> {
  await eu.delete(notificationPreferences).where(eq(notificationPreferences.userId, userId));
  await eu.delete(notificationSettings).where(eq(notificationSettings.userId, userId));
  await eu.delete(pushSubscriptions).where(eq(pushSubscriptions.userId, userId));
  await eu.delete(userMfa).where(eq(userMfa.userId, userId));
  await eu.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await eu.delete(sessions).where(eq(sessions.userId, userId));
  await eu.delete(users).where(eq(users.id, userId));
}

/** Keeps the EU row's role in step with the primary's (the session lookup of an EU fan reads it there). */
export async function setEuRole(eu: ReadDatabase, userId: string, role: User['role']): Promise<void> {
  await eu.update(users).set({ role, updatedAt: new Date() }).where(eq(users.id, userId));
}
