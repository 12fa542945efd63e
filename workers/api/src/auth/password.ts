/**
 * Password hashing with PBKDF2-SHA-256 from Web Crypto: the slow KDF that Workers provide natively.
 * 100,000 iterations is the most workerd accepts; the format records the parameters so they can grow.
 * Format: `pbkdf2-sha256$<iterations>$<salt b64url>$<hash b64url>`.
 */
import { fromBase64Url, timingSafeEqual, toBase64Url } from '#shared/auth/bytes';

const ITERATIONS = 100_000;
const KEY_BITS = 256;

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, KEY_BITS);
  return new Uint8Array(bits);
}

export function hashPassword(password: string): Promise<string> {
  return hashPasswordWithSalt(password, crypto.getRandomValues(new Uint8Array(16)));
}

/** `hashPassword` with a given salt: only for the seed, whose demo data must be reproducible. */
export async function hashPasswordWithSalt(password: string, salt: Uint8Array<ArrayBuffer>): Promise<string> {
  const hash = await derive(password, salt, ITERATIONS);
  return `pbkdf2-sha256$${ITERATIONS}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterations, salt, hash] = stored.split('$');
  if (scheme !== 'pbkdf2-sha256' || !iterations || !salt || !hash) return false;
  const expected = fromBase64Url(hash);
  const actual = await derive(password, fromBase64Url(salt), Number(iterations));
  return timingSafeEqual(actual, expected);
}

/**
 * A hash of a random password, verified against when the email is unknown, so that a log-in for a
 * missing account takes as long as one with a wrong password (no account enumeration by timing).
 */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  return (decoyHash ??= hashPassword(crypto.randomUUID()));
}
