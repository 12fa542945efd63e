/**
 * Channel failures through the real queue and consumer, the providers answering from recorded responses:
 * transient failures (5xx, 429) are retried with backoff until they succeed or are given up; a permanent 4xx is
 * not retried; an expired push subscription (404/410) is deleted. Every attempt is recorded.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { enqueueShowAnnounced } from '#shared/notifications/enqueue';
import { MAX_DELIVERY_ATTEMPTS } from '#shared/notifications/policy';
import {
  attemptsOf,
  browserSubscription,
  deliveriesOf,
  providerRequests,
  scriptProvider,
} from './notification-support';
import { api, createShow, eventually, signUp, sql, testDb } from './support';

type Account = Awaited<ReturnType<typeof signUp>>;

/** A fan following a fresh artist; `announce()` triggers the show announcement and waits for `channel` to finish. */
async function scenario(setup: (fan: Account) => Promise<void>) {
  const { artist, show } = await createShow();
  const fan = await signUp();
  await api(`/v1/me/follows/${artist.id}`, { method: 'PUT', token: fan.token });
  await setup(fan);
  return {
    fan,
    async announce(channel: string) {
      const { eventId } = await enqueueShowAnnounced(testDb(), env.NOTIFICATIONS, show.id);
      const delivery = await eventually(async () => {
        const row = (await deliveriesOf(eventId)).find((r) => r.user_id === fan.user.id && r.channel === channel);
        return row && !['queued', 'sending', 'retrying'].includes(row.status) ? row : undefined;
      }, 20_000);
      return { eventId, delivery, attempts: () => attemptsOf(eventId, fan.user.id, channel) };
    },
  };
}

describe('notification channels: retries and give-ups', () => {
  it('retries an email after a provider 500 and a 429, then records it sent', async () => {
    const s = await scenario(async (fan) => scriptProvider(fan.user.email, ['resend-500', 'resend-429', 'resend-200']));
    const { delivery, attempts } = await s.announce('email');
    expect(delivery).toMatchObject({ status: 'sent', attempts: 3, last_error: null });
    expect(await attempts()).toEqual([
      { outcome: 'queued', http_status: null, attempt: 0 },
      { outcome: 'retry', http_status: 500, attempt: 1 },
      { outcome: 'retry', http_status: 429, attempt: 2 },
      { outcome: 'sent', http_status: 200, attempt: 3 },
    ]);
    expect(await providerRequests('email', s.fan.user.email)).toHaveLength(3);
  });

  it('does not retry a permanent 4xx from the email provider', async () => {
    const s = await scenario(async (fan) => scriptProvider(fan.user.email, ['resend-422']));
    const { delivery, attempts } = await s.announce('email');
    expect(delivery.status).toBe('failed');
    expect(delivery.last_error).toContain('422');
    expect((await attempts()).map((a) => [a.outcome, a.http_status])).toEqual([
      ['queued', null],
      ['failed', 422],
    ]);
    await new Promise((r) => setTimeout(r, 500));
    expect(await providerRequests('email', s.fan.user.email)).toHaveLength(1);
  });

  it('gives a delivery up after the last attempt when the provider keeps failing', async () => {
    let token = '';
    const s = await scenario(async (fan) => {
      token = `fcm-down-${crypto.randomUUID()}`;
      await api('/v1/me/push-subscriptions', {
        method: 'POST',
        token: fan.token,
        body: JSON.stringify({ type: 'fcm', token }),
      });
      await scriptProvider(token, ['fcm-503']);
    });
    const { delivery, attempts } = await s.announce('fcm');
    expect(delivery).toMatchObject({ status: 'given_up', attempts: MAX_DELIVERY_ATTEMPTS });
    const outcomes = (await attempts()).map((a) => a.outcome);
    expect(outcomes).toEqual(['queued', ...Array.from({ length: MAX_DELIVERY_ATTEMPTS }, () => 'retry'), 'given_up']);
    expect(await providerRequests('fcm', token)).toHaveLength(MAX_DELIVERY_ATTEMPTS);
  });

  it('removes a browser subscription the push service reports gone (410), and an FCM token reported unregistered (404)', async () => {
    const subscription = await browserSubscription();
    const token = `fcm-gone-${crypto.randomUUID()}`;
    const s = await scenario(async (fan) => {
      await api('/v1/me/push-subscriptions', { method: 'POST', token: fan.token, body: JSON.stringify(subscription) });
      await api('/v1/me/push-subscriptions', {
        method: 'POST',
        token: fan.token,
        body: JSON.stringify({ type: 'fcm', token }),
      });
      await scriptProvider(subscription.endpoint, ['webpush-410']);
      await scriptProvider(token, ['fcm-404-unregistered']);
    });
    const web = await s.announce('webpush');
    const fcm = await s.announce('fcm');
    expect(web.delivery.status).toBe('failed');
    expect(fcm.delivery.status).toBe('failed');
    expect((await web.attempts()).map((a) => [a.outcome, a.http_status])).toEqual([
      ['queued', null],
      ['gone', 410],
    ]);
    expect((await fcm.attempts()).map((a) => [a.outcome, a.http_status])).toEqual([
      ['queued', null],
      ['gone', 404],
    ]);
    const left = (await sql().query('select count(*)::int as n from push_subscriptions where user_id = $1', [
      s.fan.user.id,
    ])) as { n: number }[];
    expect(left[0]!.n).toBe(0);
  });

  it('retries only the device that failed when one of two browsers had a transient error', async () => {
    const [ok, flaky] = await Promise.all([browserSubscription(), browserSubscription()]);
    const s = await scenario(async (fan) => {
      for (const sub of [ok, flaky])
        await api('/v1/me/push-subscriptions', { method: 'POST', token: fan.token, body: JSON.stringify(sub) });
      await scriptProvider(flaky.endpoint, ['webpush-503', 'webpush-201']);
    });
    const { delivery } = await s.announce('webpush');
    expect(delivery).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await providerRequests('webpush', ok.endpoint)).toHaveLength(1);
    expect(await providerRequests('webpush', flaky.endpoint)).toHaveLength(2);
  });
});

describe('dead letters', () => {
  it('sends a notification message that can never be processed to the dead-letter queue, kept in dead_letters for replay', async () => {
    const marker = crypto.randomUUID();
    await env.NOTIFICATIONS.send({ v: 2, type: 'send', deliveryIds: ['not-a-uuid'], marker }, { contentType: 'json' });
    const row = await eventually(async () => {
      const rows = (await sql().query(`select queue, attempts from dead_letters where body->>'marker' = $1`, [
        marker,
      ])) as { queue: string; attempts: number }[];
      return rows[0];
    }, 20_000);
    expect(row.queue).toBe('mysetlist-notifications');
  });
});

describe('FCM service-account authentication', () => {
  it('exchanges an RS256 JWT, signed with the service account key and verifiable with its public key, for the access token', async () => {
    const token = `fcm-auth-${crypto.randomUUID()}`;
    const exchangesBefore = (await providerRequests('oauth')).length;
    await sendWithExpiredAccessToken(token);
    const exchanges = await providerRequests('oauth');
    // The 401 made the consumer drop its cached token and fetch a new one.
    expect(exchanges.length).toBeGreaterThan(exchangesBefore);
    const exchange = exchanges.at(-1);
    expect(exchange!.url).toBe('https://oauth2.googleapis.com/token');
    expect(exchange!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(exchange!.body);
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const [header, claims, signature] = form.get('assertion')!.split('.') as [string, string, string];
    const decode = (part: string) =>
      JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
    expect(decode(header)).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'test-key-1' });
    const body = decode(claims) as { iss: string; aud: string; scope: string; iat: number; exp: number };
    expect(body).toMatchObject({
      iss: 'push@mysetlist-test.iam.gserviceaccount.com',
      aud: 'https://oauth2.googleapis.com/token',
      scope: 'https://www.googleapis.com/auth/firebase.messaging',
    });
    expect(body.exp - body.iat).toBe(3600);
    // The signature verifies with the public half of the service account's key.
    const account = JSON.parse(env.FCM_SERVICE_ACCOUNT_JSON) as { private_key: string };
    const der = Uint8Array.from(atob(account.private_key.replace(/-----(BEGIN|END) PRIVATE KEY-----|\s/g, '')), (c) =>
      c.charCodeAt(0),
    );
    const privateKey = await crypto.subtle.importKey(
      'pkcs8',
      der,
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      true,
      ['sign'],
    );
    const { n, e } = (await crypto.subtle.exportKey('jwk', privateKey)) as JsonWebKey;
    const publicKey = await crypto.subtle.importKey(
      'jwk',
      { kty: 'RSA', n, e, alg: 'RS256', ext: true },
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    const sig = Uint8Array.from(atob(signature.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    expect(
      await crypto.subtle.verify('RSASSA-PKCS1-v1_5', publicKey, sig, new TextEncoder().encode(`${header}.${claims}`)),
    ).toBe(true);
    expect(
      await crypto.subtle.verify('RSASSA-PKCS1-v1_5', publicKey, sig, new TextEncoder().encode(`${header}.${claims}x`)),
    ).toBe(false);
  });
});

/**
 * The consumer caches its access token per isolate, so an exchange may not happen for this test's message;
 * a scripted 401 from FCM makes it drop the cached token and exchange again on the retry.
 */
async function sendWithExpiredAccessToken(token: string): Promise<void> {
  const s = await scenario(async (fan) => {
    await api('/v1/me/push-subscriptions', {
      method: 'POST',
      token: fan.token,
      body: JSON.stringify({ type: 'fcm', token }),
    });
    await scriptProvider(token, ['fcm-401', 'fcm-200']);
  });
  const { delivery } = await s.announce('fcm');
  expect(delivery.status).toBe('sent');
  expect((await providerRequests('fcm', token)).map((r) => r.headers.authorization)).toEqual([
    'Bearer ya29.c.test-access-token',
    'Bearer ya29.c.test-access-token',
  ]);
}
