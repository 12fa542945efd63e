/** Accounts as sign-up and log-in need them. */
import { and, eq, isNull } from 'drizzle-orm';
import type { Database, ReadDatabase } from '#shared/db/client';
import { isUniqueViolation } from '#shared/db/errors';
import { type User, userMfa, users } from '#shared/db/schema';
import { errors } from '#shared/errors';
import type { UserRole } from '#shared/schemas/auth';
import { euEmailTaken } from '../residency/eu-accounts';

/**
 * 409 `email_taken` when the email has an account already, here or (`eu`: when one is configured) in the EU
 * database (workers/api/src/residency).
 */
export async function createUser(
  db: Database,
  account: { email: string; passwordHash: string; displayName: string },
  eu?: ReadDatabase | null,
): Promise<User> {
  if (eu && (await euEmailTaken(eu, account.email)))
    throw errors.conflict('email_taken', 'An account with this email already exists.');
  let user: User | undefined;
  try {
    [user] = await db.$primary.insert(users).values(account).returning();
  } catch (err) {
    if (isUniqueViolation(err)) throw errors.conflict('email_taken', 'An account with this email already exists.');
    throw err;
  }
  if (!user) throw errors.internal();
  return user;
}

/** The account with that email and when it turned on two-step verification, from the primary. */
export async function userForLogIn(
  db: Database,
  email: string,
): Promise<{ user: User; mfaEnabledAt: Date | null } | undefined> {
  const [row] = await db.$primary
    .select({ user: users, mfaEnabledAt: userMfa.enabledAt })
    .from(users)
    .leftJoin(userMfa, eq(userMfa.userId, users.id))
    .where(eq(users.email, email))
    .limit(1);
  return row;
}

/** Sets a live (not erased) user's role; returns the role before and the updated user, or undefined if none. */
export async function setUserRole(
  db: Database,
  userId: string,
  role: UserRole,
): Promise<{ before: UserRole; user: User } | undefined> {
  const [before] = await db.$primary
    .select({ role: users.role })
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.deletedAt)));
  if (!before) return undefined;
  const [user] = await db.$primary
    .update(users)
    .set({ role, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning();
  return { before: before.role, user: user! };
}
