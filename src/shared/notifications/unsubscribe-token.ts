/**
 * One-click unsubscribe tokens: `<payload>.<signature>`, both base64url, the signature an HMAC-SHA256 of the
 * payload with UNSUBSCRIBE_SIGNING_KEY. They work without a session (links in emails) and never expire
 * (an unsubscribe link must keep working); a changed byte fails verification.
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
  return crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

export async function signUnsubscribeToken(secret: string, scope: Omit<UnsubscribeScope, 'v'>): Promise<string> {
  const payload = toBase64Url(new TextEncoder().encode(JSON.stringify({ v: 1, ...scope })));
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), new TextEncoder().encode(payload)));
  return `${payload}.${toBase64Url(signature)}`;
}

/** The scope of a genuine token, or null for anything else (malformed, tampered, signed with another key). */
export async function verifyUnsubscribeToken(secret: string, token: string): Promise<UnsubscribeScope | null> {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined || !/^[A-Za-z0-9_-]+$/.test(payload + signature)) return null;
  try {
    const expected = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), new TextEncoder().encode(payload)));
    if (!timingSafeEqual(expected, fromBase64Url(signature))) return null;
    const parsed = UnsubscribeScope.safeParse(JSON.parse(new TextDecoder().decode(fromBase64Url(payload))));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
