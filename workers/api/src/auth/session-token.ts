/**
 * Sessions are opaque random tokens; only their SHA-256 is stored, so reading the sessions table
 * does not let anyone sign in. The realtime worker resolves tokens the same way.
 */
import { sha256Hex, toBase64Url } from '#shared/auth/bytes';

export const SESSION_COOKIE = 'msl_session';

export function newSessionToken(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

export function hashSessionToken(token: string): Promise<string> {
  return sha256Hex(token);
}

/** A token is 43 base64url characters; anything else is rejected before touching the database. */
export function looksLikeSessionToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}
