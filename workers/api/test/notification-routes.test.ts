/** The notification routes: inbox read state, preferences, push devices, and the signed unsubscribe link. */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { signUnsubscribeToken } from '#shared/notifications/unsubscribe-token';
import { browserSubscription } from './notification-support';
import { api, errorOf, eventually, signUp, sql } from './support';

const key = () => env.UNSUBSCRIBE_SIGNING_KEY;

async function seedInbox(userId: string, count: number): Promise<void> {
  await sql().query(
    `insert into notifications (event_id, user_id, kind, data, created_at)
     select gen_random_uuid(), $1, 'song_milestone', jsonb_build_object('milestone', 10 * g, 'songTitle', 'Song ' || g, 'artistName', 'Band'), now() - make_interval(secs => g)
     from generate_series(1, $2::int) g`,
    [userId, count],
  );
}

/** Sends `body` and expects a 400: the answer, for its error. */
async function refused(path: string, method: string, token: string, body: unknown): Promise<Response> {
  const res = await api(path, { method, token, body: JSON.stringify(body) });
  expect(res.status, JSON.stringify(body)).toBe(400);
  return res;
}

describe('inbox', () => {
  it('pages newest first, marks one read (only my own) and then all', async () => {
    const [me, other] = await Promise.all([signUp(), signUp()]);
    await seedInbox(me.user.id, 5);
    const first = (await (await api('/v1/me/notifications?limit=3', { token: me.token })).json()) as {
      items: { id: string; title: string; readAt: string | null }[];
      unread: number;
      nextCursor: string;
    };
    expect(first.items.map((i) => i.title)).toEqual([
      '10 votes for "Song 1"',
      '20 votes for "Song 2"',
      '30 votes for "Song 3"',
    ]);
    expect(first.unread).toBe(5);
    const second = (await (
      await api(`/v1/me/notifications?limit=3&cursor=${first.nextCursor}`, { token: me.token })
    ).json()) as { items: { title: string }[]; nextCursor: string | null };
    expect(second.items.map((i) => i.title)).toEqual(['40 votes for "Song 4"', '50 votes for "Song 5"']);
    expect(second.nextCursor).toBeNull();

    const target = first.items[0]!.id;
    const opens = async () =>
      (
        (await sql().query(`select count(*)::int as n from analytics_events where kind = 'notification_open'`)) as {
          n: number;
        }[]
      )[0]!.n;
    const opensBefore = await opens();
    expect((await api(`/v1/me/notifications/${target}/read`, { method: 'POST', token: other.token })).status).toBe(404);
    expect((await api(`/v1/me/notifications/${target}/read`, { method: 'POST', token: me.token })).status).toBe(204);
    // Reading it again is fine, and still one open for analytics.
    expect((await api(`/v1/me/notifications/${target}/read`, { method: 'POST', token: me.token })).status).toBe(204);
    await eventually(async () => ((await opens()) === opensBefore + 1 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await opens()).toBe(opensBefore + 1);
    const after = (await (await api('/v1/me/notifications?limit=1', { token: me.token })).json()) as {
      items: { readAt: string | null }[];
      unread: number;
    };
    expect(after.items[0]!.readAt).not.toBeNull();
    expect(after.unread).toBe(4);
    const all = await api('/v1/me/notifications/read-all', { method: 'POST', token: me.token });
    expect(await all.json()).toEqual({ marked: 4 });
    expect(((await (await api('/v1/me/notifications', { token: me.token })).json()) as { unread: number }).unread).toBe(
      0,
    );
  });
});

describe('preferences', () => {
  it('starts from the defaults and keeps partial updates', async () => {
    const me = await signUp();
    const defaults = (await (await api('/v1/me/notification-preferences', { token: me.token })).json()) as Record<
      string,
      unknown
    >;
    expect(defaults).toMatchObject({
      locale: 'en',
      timeZone: 'UTC',
      quietHours: null,
      kinds: { show_announced: { in_app: true, email: true }, voting_open: { email: false } },
    });
    const res = await api('/v1/me/notification-preferences', {
      method: 'PUT',
      token: me.token,
      body: JSON.stringify({
        locale: 'de',
        quietHours: { start: '22:30', end: '07:00' },
        kinds: { voting_open: { email: true }, song_milestone: { webpush: false } },
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      locale: 'de',
      timeZone: 'UTC',
      quietHours: { start: '22:30', end: '07:00' },
      kinds: { voting_open: { email: true, in_app: true }, song_milestone: { webpush: false, fcm: true } },
    });
    await api('/v1/me/notification-preferences', {
      method: 'PUT',
      token: me.token,
      body: JSON.stringify({ timeZone: 'America/New_York', quietHours: null }),
    });
    expect(await (await api('/v1/me/notification-preferences', { token: me.token })).json()).toMatchObject({
      locale: 'de',
      timeZone: 'America/New_York',
      quietHours: null,
      kinds: { voting_open: { email: true } },
    });
  });

  it('rejects an unknown time zone, a bad hour, an unknown kind or channel with 400', async () => {
    const me = await signUp();
    for (const body of [
      { timeZone: 'Mars/Olympus' },
      { quietHours: { start: '25:00', end: '07:00' } },
      { kinds: { spam: { email: true } } },
      { kinds: { voting_open: { pigeon: true } } },
      { locale: 'not a language' },
    ])
      expect((await errorOf(await refused('/v1/me/notification-preferences', 'PUT', me.token, body))).code).toBe(
        'validation_failed',
      );
  });
});

describe('push subscriptions', () => {
  it('registers a browser and a device, moves a re-registered endpoint, and lets only the owner remove one', async () => {
    const [me, other] = await Promise.all([signUp(), signUp()]);
    const browser = await browserSubscription();
    const created = await api('/v1/me/push-subscriptions', {
      method: 'POST',
      token: me.token,
      body: JSON.stringify(browser),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect(
      (
        await api('/v1/me/push-subscriptions', {
          method: 'POST',
          token: me.token,
          body: JSON.stringify({ type: 'fcm', token: `device-${crypto.randomUUID()}` }),
        })
      ).status,
    ).toBe(201);
    expect((await api(`/v1/me/push-subscriptions/${id}`, { method: 'DELETE', token: other.token })).status).toBe(404);
    // The same browser signed in as someone else now belongs to them.
    const moved = (await (
      await api('/v1/me/push-subscriptions', { method: 'POST', token: other.token, body: JSON.stringify(browser) })
    ).json()) as { id: string };
    expect(moved.id).toBe(id);
    expect((await api(`/v1/me/push-subscriptions/${id}`, { method: 'DELETE', token: me.token })).status).toBe(404);
    expect((await api(`/v1/me/push-subscriptions/${id}`, { method: 'DELETE', token: other.token })).status).toBe(204);
  });

  it('rejects a subscription that is not https or has malformed keys', async () => {
    const me = await signUp();
    const browser = await browserSubscription();
    for (const body of [
      { ...browser, endpoint: 'http://push.example/x' },
      { ...browser, keys: { p256dh: 'short', auth: browser.keys.auth } },
      { type: 'fcm', token: '' },
      { type: 'carrier-pigeon' },
    ])
      await refused('/v1/me/push-subscriptions', 'POST', me.token, body);
  });

  it('publishes the VAPID public key for browsers to subscribe with', async () => {
    expect(await (await api('/v1/push/vapid-public-key')).json()).toEqual({ publicKey: env.VAPID_PUBLIC_KEY });
  });
});

describe('unsubscribe links', () => {
  it('work without signing in (POST, RFC 8058 one-click included) and turn off exactly the kind and channel of the link', async () => {
    const me = await signUp();
    const token = await signUnsubscribeToken(key(), { u: me.user.id, k: 'show_announced', c: 'email' });
    const res = await api(`/v1/unsubscribe?token=${token}`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    expect(await res.json()).toEqual({ unsubscribed: { kind: 'show_announced', channel: 'email' } });
    const prefs = (await (await api('/v1/me/notification-preferences', { token: me.token })).json()) as {
      kinds: Record<string, Record<string, boolean>>;
    };
    expect(prefs.kinds.show_announced).toEqual({ in_app: true, email: false, webpush: true, fcm: true });
    expect(prefs.kinds.setlist_published!.email).toBe(true);

    const everything = await signUnsubscribeToken(key(), { u: me.user.id, k: 'all', c: 'email' });
    const oneClick = await api(`/v1/unsubscribe?token=${everything}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);
    const after = (await (await api('/v1/me/notification-preferences', { token: me.token })).json()) as {
      kinds: Record<string, Record<string, boolean>>;
    };
    expect(Object.values(after.kinds).map((k) => k.email)).toEqual([false, false, false, false, false]);
  });

  it('rejects a tampered, truncated or foreign-key token with a 400 JSON error and changes nothing', async () => {
    const me = await signUp();
    const token = await signUnsubscribeToken(key(), { u: me.user.id, k: 'show_announced', c: 'email' });
    const [payload, signature] = token.split('.') as [string, string];
    const forged = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, string>;
    forged.k = 'all';
    const forgedPayload = btoa(JSON.stringify(forged)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const swapChar = (text: string, at: number, xor: number) =>
      text.slice(0, at) + alphabet[alphabet.indexOf(text[at]!) ^ xor] + text.slice(at + 1);
    // One flipped MAC bit, and a second spelling of the same MAC (the last character's two padding bits).
    const flipped = swapChar(signature, 10, 1);
    const respelled = swapChar(signature, signature.length - 1, 1);
    const foreign = await signUnsubscribeToken('another key', { u: me.user.id, k: 'show_announced', c: 'email' });
    for (const bad of [
      `${forgedPayload}.${signature}`,
      `${payload}.${flipped}`,
      `${payload}.${respelled}`,
      payload,
      foreign,
      'not-a-token',
      `${token}.extra`,
    ]) {
      const res = await api(`/v1/unsubscribe?token=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(400);
      expect(res.headers.get('Content-Type')).toContain('application/json');
      expect((await errorOf(res)).code).toBe('invalid_unsubscribe_token');
    }
    expect((await api('/v1/unsubscribe')).status).toBe(400);
    const prefs = (await (await api('/v1/me/notification-preferences', { token: me.token })).json()) as {
      kinds: Record<string, Record<string, boolean>>;
    };
    expect(prefs.kinds.show_announced!.email).toBe(true);
  });
});
