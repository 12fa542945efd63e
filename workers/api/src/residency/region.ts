/**
 * Per-fan residency (docs/operations.md, "Regions and residency"): when an EU database is configured
 * (DATABASE_URL_EU), a fan who signs up in the EU/EEA, or asks for it, has their personal data kept there, and the
 * primary keeps a pseudonymous row under the same user id for votes, scores and leaderboards.
 */
import { isEea } from '#shared/regions/placement';

export type HomeRegion = 'eu';

/** An EU fan's session tokens carry this prefix, so a session lookup goes straight to the EU database. */
export const EU_TOKEN_PREFIX = 'eu.';

export function euConfigured(env: { DATABASE_URL_EU?: string }): boolean {
  return !!env.DATABASE_URL_EU;
}

/**
 * Where a new account's personal data goes: the EU database for a fan whose request comes from the EU/EEA
 * (`request.cf.country`) or who asked for it (`dataRegion: 'eu'`), when one is configured; else the primary.
 */
export function signUpRegion(
  env: { DATABASE_URL_EU?: string },
  country: string | null | undefined,
  asked: HomeRegion | undefined,
): HomeRegion | null {
  if (!euConfigured(env)) return null;
  return asked === 'eu' || isEea(country) ? 'eu' : null;
}

/** The region a session token belongs to (by its prefix). */
export function tokenRegion(token: string): HomeRegion | null {
  return token.startsWith(EU_TOKEN_PREFIX) ? 'eu' : null;
}

/**
 * What the primary keeps of an EU fan: placeholders derived from the pseudonymous id only (the columns are not
 * null, and the email's unique index must hold). Leaderboards show the display name, so it is a pseudonym too.
 */
export function pseudonymousAccount(userId: string) {
  return {
    email: `${userId}@eu.residency.invalid`,
    passwordHash: '!',
    displayName: `Fan ${userId.slice(0, 8)}`,
    homeRegion: 'eu' as const,
  };
}
