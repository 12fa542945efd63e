/** Helpers of the notification tests: the fake providers' control channel, and reading the delivery records. */
import { env } from 'cloudflare:workers';
import { sql } from './support';

export { eventIdOf, insertUsers } from '../../../test/support/database';

const fake = (env as unknown as { FAKE_PROVIDERS: Fetcher }).FAKE_PROVIDERS;

export type Provider = 'email' | 'oauth' | 'fcm' | 'webpush' | 'pagerduty' | 'webhook';

/** The next answers (fixture names from test/fakes/providers/responses.json) to requests whose URL or body contains `match`. */
export async function scriptProvider(match: string, responses: string[]): Promise<void> {
  const res = await fake.fetch('http://fake-providers.control/script', {
    method: 'POST',
    body: JSON.stringify({ match, responses }),
  });
  if (!res.ok) throw new Error(`fake providers: ${res.status}`);
}

export interface RecordedRequest {
  provider: Provider;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export async function providerRequests(provider: Provider, match?: string): Promise<RecordedRequest[]> {
  const url = new URL('http://fake-providers.control/requests');
  url.searchParams.set('provider', provider);
  if (match) url.searchParams.set('match', match);
  return (await (await fake.fetch(url)).json()) as RecordedRequest[];
}

export interface DeliveryRow {
  user_id: string;
  channel: string;
  status: string;
  attempts: number;
  last_error: string | null;
  not_before: string | null;
}

export async function deliveriesOf(eventId: string): Promise<DeliveryRow[]> {
  return (await sql().query(
    'select user_id, channel, status, attempts, last_error, not_before from notification_deliveries where event_id = $1 order by user_id, channel',
    [eventId],
  )) as DeliveryRow[];
}

export async function attemptsOf(
  eventId: string,
  userId: string,
  channel: string,
): Promise<{ outcome: string; http_status: number | null; attempt: number }[]> {
  return (await sql().query(
    `select a.outcome, a.http_status, a.attempt from notification_delivery_attempts a join notification_deliveries d on d.id = a.delivery_id
     where d.event_id = $1 and d.user_id = $2 and d.channel = $3 order by a.at, a.attempt`,
    [eventId, userId, channel],
  )) as { outcome: string; http_status: number | null; attempt: number }[];
}

/** A browser subscription with real P-256 keys (so the payload can be encrypted), at a unique Mozilla endpoint. */
export async function browserSubscription() {
  const keys = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, [
    'deriveBits',
  ])) as CryptoKeyPair;
  const raw = new Uint8Array((await crypto.subtle.exportKey('raw', keys.publicKey)) as ArrayBuffer);
  const b64 = (bytes: Uint8Array) =>
    btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
  return {
    type: 'webpush' as const,
    endpoint: `https://updates.push.services.mozilla.com/wpush/v2/${crypto.randomUUID()}`,
    expirationTime: null,
    keys: { p256dh: b64(raw), auth: b64(crypto.getRandomValues(new Uint8Array(16))) },
  };
}
