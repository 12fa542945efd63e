/**
 * One-click unsubscribe tokens: `<payload>.<signature>`, both base64url, the signature an HMAC-SHA256 of the
 * payload with UNSUBSCRIBE_SIGNING_KEY. They work without a session (links in emails) and never expire
 * (an unsubscribe link must keep working); a changed byte fails verification.
 *
 * The signature is compared as text against the canonical encoding of the expected MAC, not as decoded
 * bytes: the last base64url character of a 32-byte MAC carries two padding bits that decoders ignore, so
 * a byte comparison would accept four spellings of one signature (and a test that flips that character
 * would pass or fail by chance).
 */
import { z } from 'zod';
import { fromBase64Url, timingSafeEqual, toBase64Url } from '../auth/bytes';
import { NotificationChannel, NotificationKind } from '../schemas/notifications';

export const UnsubscribeScope = z.object({
  v: z.literal(1),
  /** user id */
  u: z.uuid(),
  k: z.union([NotificationKind, z.literal('all')]),
  c: z.union([NotificationChannel, z.literal('all')]),
});
export type UnsubscribeScope = z.infer<typeof UnsubscribeScope>;

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
}

export async function signUnsubscribeToken(secret: string, scope: Omit<UnsubscribeScope, 'v'>): Promise<string> {
  const payload = toBase64Url(new TextEncoder().encode(JSON.stringify({ v: 1, ...scope })));
  const signature = new Uint8Array(
    await crypto.subtle.sign('HMAC', await hmacKey(secret), new TextEncoder().encode(payload)),
  );
  return `${payload}.${toBase64Url(signature)}`;
}

/** The scope of a genuine token, or null for anything else (malformed, tampered, signed with another key). */
export async function verifyUnsubscribeToken(secret: string, token: string): Promise<UnsubscribeScope | null> {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined || !/^[A-Za-z0-9_-]+$/.test(payload + signature)) return null;
  try {
    const expected = toBase64Url(
      new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), new TextEncoder().encode(payload))),
    );
    if (!timingSafeEqual(new TextEncoder().encode(expected), new TextEncoder().encode(signature))) return null;
    const parsed = UnsubscribeScope.safeParse(JSON.parse(new TextDecoder().decode(fromBase64Url(payload))));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
