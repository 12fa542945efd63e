/**
 * Mobile push through FCM HTTP v1: a service-account JWT (RS256, signed with Web Crypto) is exchanged for an
 * OAuth access token at the account's `token_uri` (RFC 7523), cached until shortly before it expires, then
 * `POST https://fcm.googleapis.com/v1/projects/{project}/messages:send`.
 * Errors (https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode): 404 UNREGISTERED → the token is
 * gone; 400 INVALID_ARGUMENT naming the token → gone; 401 → our access token expired (dropped, retried);
 * 429/5xx → retried.
 */
import { z } from 'zod';
import { fromBase64Url, toBase64Url } from '#shared/auth/bytes';
import type { Rendered } from '#shared/notifications/templates';
import { callProvider, classifyResponse, type Outcome } from './outcome';

export const ServiceAccount = z.object({
  project_id: z.string().min(1),
  private_key: z.string().includes('PRIVATE KEY'),
  client_email: z.string().min(3),
  private_key_id: z.string().optional(),
  token_uri: z.url().default('https://oauth2.googleapis.com/token'),
});
export type ServiceAccount = z.infer<typeof ServiceAccount>;

const SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
export const FCM_API = 'https://fcm.googleapis.com';

const tokens = new Map<string, { token: string; expiresAt: number }>();

function pemToPkcs8(pem: string): Uint8Array<ArrayBuffer> {
  const base64 = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\\n|\s/g, '');
  return fromBase64Url(base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
}

const json64 = (value: unknown) => toBase64Url(new TextEncoder().encode(JSON.stringify(value)));

/** The signed assertion of RFC 7523 §2.1 that Google's token endpoint accepts for a service account. */
export async function serviceAccountJwt(
  account: ServiceAccount,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<string> {
  const header = { alg: 'RS256', typ: 'JWT', ...(account.private_key_id ? { kid: account.private_key_id } : {}) };
  const claims = {
    iss: account.client_email,
    scope: SCOPE,
    aud: account.token_uri,
    iat: nowSeconds,
    exp: nowSeconds + 3600,
  };
  const input = `${json64(header)}.${json64(claims)}`;
  const key = await crypto.subtle.importKey(
    'pkcs8',
    pemToPkcs8(account.private_key),
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const signature = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, new TextEncoder().encode(input)));
  return `${input}.${toBase64Url(signature)}`;
}

/** An access token, from the cache or the token endpoint; an Outcome when the exchange failed. */
async function accessToken(fetcher: typeof fetch, account: ServiceAccount): Promise<string | Outcome> {
  const cached = tokens.get(account.client_email);
  if (cached && cached.expiresAt > Date.now() + 60_000) return cached.token;
  const assertion = await serviceAccountJwt(account);
  let token: string | undefined;
  const outcome = await callProvider(
    fetcher,
    account.token_uri,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
    },
    async (res) => {
      if (!res.ok) {
        const failed = await classifyResponse(res);
        // A rejected assertion (400 invalid_grant) is a configuration problem: retrying later lets an operator fix it.
        return failed.outcome === 'failed' ? { ...failed, outcome: 'retry', error: `oauth: ${failed.error}` } : failed;
      }
      const body = (await res.json()) as { access_token?: string; expires_in?: number };
      if (!body.access_token)
        return { outcome: 'retry', httpStatus: res.status, error: 'oauth: no access_token in the answer' };
      token = body.access_token;
      tokens.set(account.client_email, { token, expiresAt: Date.now() + (body.expires_in ?? 3600) * 1000 });
      return { outcome: 'sent', httpStatus: res.status };
    },
  );
  return token ?? outcome;
}

export interface FcmMessage extends Rendered {
  url: string;
  /** FCM data values must be strings. */
  data: Record<string, string>;
}

export function fcmBody(registrationToken: string, message: FcmMessage, urgent: boolean) {
  return {
    message: {
      token: registrationToken,
      notification: { title: message.title, body: message.body },
      data: { ...message.data, url: message.url },
      android: { priority: urgent ? 'HIGH' : 'NORMAL' },
      apns: { headers: { 'apns-priority': urgent ? '10' : '5' } },
    },
  };
}

export async function sendFcm(
  fetcher: typeof fetch,
  account: ServiceAccount,
  registrationToken: string,
  message: FcmMessage,
  urgent: boolean,
): Promise<Outcome> {
  const token = await accessToken(fetcher, account);
  if (typeof token !== 'string') return token;
  return callProvider(
    fetcher,
    `${FCM_API}/v1/projects/${encodeURIComponent(account.project_id)}/messages:send`,
    {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(fcmBody(registrationToken, message, urgent)),
    },
    async (res) => {
      if (res.status === 401) {
        tokens.delete(account.client_email);
        await res.body?.cancel();
        return { outcome: 'retry', httpStatus: 401, error: '401 access token rejected; a new one is fetched on retry' };
      }
      const outcome = await classifyResponse(res, { goneStatuses: [404] });
      // INVALID_ARGUMENT about the registration token itself: that token will never work again.
      if (outcome.outcome === 'failed' && res.status === 400 && /registration token/i.test(outcome.error))
        return { ...outcome, outcome: 'gone' };
      return outcome;
    },
  );
}

/** For tests: forget cached access tokens. */
export const clearFcmTokens = () => tokens.clear();
