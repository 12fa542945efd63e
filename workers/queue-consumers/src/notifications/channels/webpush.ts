/**
 * Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payload encryption (RFC 8291), done by
 * @block65/webcrypto-web-push on Web Crypto alone (verified against RFC 8291's test vector in
 * src/shared/notifications/webpush.test.ts, inside workerd). 404/410: the subscription expired.
 */
import { buildPushPayload, type PushSubscription } from '@block65/webcrypto-web-push';
import { pushEndpointAllowed } from '#shared/notifications/push-hosts';
import type { Rendered } from '#shared/notifications/templates';
import { callProvider, classifyResponse, type Outcome } from './outcome';

export interface VapidConfig {
  subject: string;
  publicKey: string;
  privateKey: string;
}

export interface WebPushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

export interface WebPushPayload extends Rendered {
  kind: string;
  url: string;
  data: Record<string, unknown>;
}

export async function sendWebPush(
  fetcher: typeof fetch,
  vapid: VapidConfig,
  target: WebPushTarget,
  payload: WebPushPayload,
  urgent: boolean,
  pushHosts: readonly string[],
): Promise<Outcome> {
  // Checked again here, not only at registration: a row stored before the check, or a narrowed list, is never
  // called; `gone` deletes the subscription.
  if (!pushEndpointAllowed(target.endpoint, pushHosts))
    return { outcome: 'gone', httpStatus: null, error: 'endpoint host is not an allowed push service' };
  const subscription: PushSubscription = {
    endpoint: target.endpoint,
    expirationTime: null,
    keys: { p256dh: target.p256dh, auth: target.auth },
  };
  let request: Awaited<ReturnType<typeof buildPushPayload>>;
  try {
    request = await buildPushPayload(
      { data: JSON.parse(JSON.stringify(payload)), options: { ttl: 24 * 3600, urgency: urgent ? 'high' : 'normal' } },
      subscription,
      vapid,
    );
  } catch (err) {
    // A subscription whose keys cannot be used will never work: permanent.
    return {
      outcome: 'failed',
      httpStatus: null,
      error: `encryption: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300),
    };
  }
  return callProvider(
    fetcher,
    target.endpoint,
    { method: 'POST', headers: request.headers, body: request.body },
    (res) => classifyResponse(res, { goneStatuses: [404, 410] }),
  );
}
