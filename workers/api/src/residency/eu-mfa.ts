/**
 * An EU fan's two-step verification (`user_mfa` with the encrypted TOTP secret, `recovery_codes`) is kept in the EU
 * database (docs/operations.md, "Regions and residency"). Fans who turned it on before it moved there still have
 * their rows in the primary: the first time their MFA is needed, the rows are copied to the EU database and then
 * deleted from the primary, so MFA never silently turns off. The secret's encryption is bound to the user id,
 * which is the same in both databases, so the copied ciphertext decrypts as before.
 */
import { eq } from 'drizzle-orm';
import type { Context } from 'hono';
import type { AnyDatabase, Database, ReadDatabase } from '#shared/db/client';
import { recoveryCodes, userMfa } from '#shared/db/schema';
import type { AppEnv } from '../app-env';
import { callerEuDatabase } from './personal-database';

/**
 * Moves the user's MFA rows, if the primary has any, to the EU database: copied first (a row already there wins),
 * deleted from the primary after, so a failure half-way leaves a copy in the primary that the next call moves again.
 */
export async function moveMfaToEu(db: Database, eu: ReadDatabase, userId: string): Promise<void> {
  const [mfa] = await db.$primary.select().from(userMfa).where(eq(userMfa.userId, userId)).limit(1);
  if (!mfa) return;
  const codes = await db.$primary.select().from(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await eu.insert(userMfa).values(mfa).onConflictDoNothing();
  if (codes.length > 0) await eu.insert(recoveryCodes).values(codes).onConflictDoNothing();
  await db.$primary.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await db.$primary.delete(userMfa).where(eq(userMfa.userId, userId));
}

/** Where a user's MFA is kept: the EU database for an EU fan (after moving any rows left in the primary). */
export async function mfaDatabaseOf(db: Database, eu: ReadDatabase | undefined, userId: string): Promise<AnyDatabase> {
  if (!eu) return db.$primary;
  await moveMfaToEu(db, eu, userId);
  return eu;
}

/** The signed-in caller's MFA database. */
export function callerMfaDatabase(c: Context<AppEnv>): Promise<AnyDatabase> {
  return mfaDatabaseOf(c.var.database.db, callerEuDatabase(c), c.var.caller!.user.id);
}
