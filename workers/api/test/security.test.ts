/**
 * Security holes closed (issue 14): each test here failed before its fix.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { enqueueShowAnnounced } from '#shared/notifications/enqueue';
import { signUnsubscribeToken } from '#shared/notifications/unsubscribe-token';
import { browserSubscription, deliveriesOf, providerRequests } from './notification-support';
import { api, createShow, errorOf, eventually, signUp, signUpAs, sql, testDb } from './support';
import { cookie, form, ORIGIN, page } from './web-support';

describe('log-in redirect (next)', () => {
  it('never sends a signed-in visitor to another site, and never answers 500', async () => {
    const fan = await signUp();
    for (const next of [
      '%2F%09%2Fevil.example',
      '%2F%0A%2Fevil.example',
      '%2F%0D%0A%2Fevil.example',
      '%2F%5Cevil.example',
    ]) {
      const res = await page(`/login?next=${next}`, { headers: cookie(fan.token) });
      expect(res.status, next).toBe(303);
      expect(res.headers.get('Location'), next).toBe('/');
    }
    const kept = await page('/login?next=%2Faccount', { headers: cookie(fan.token) });
    expect(kept.headers.get('Location')).toBe('/account');
  });

  it('after the log-in form too', async () => {
    const fan = await signUp();
    const res = await page('/login', form({ email: fan.user.email, password: fan.password, next: '/\t/evil.example' }));
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe('/');
  });
});

describe('unknown show ids never reach a room', () => {
  // The room answers an unknown show itself ("No show with that id exists."), after waking, creating its tables
  // and asking Postgres; the api's own 404 ("The show does not exist.") means no room was reached.
  it('answers 404 from the api for the WebSocket and every room route', async () => {
    const fan = await signUp();
    const moderator = await signUpAs('moderator');
    const id = crypto.randomUUID();
    const requests: [string, RequestInit & { token?: string }][] = [
      [`/v1/shows/${id}/live`, { headers: { Upgrade: 'websocket' } }],
      [`/v1/shows/${id}/live`, { headers: { Upgrade: 'websocket' }, token: fan.token }],
      [`/v1/shows/${id}/setlist`, {}],
      [`/v1/shows/${id}/setlist`, { method: 'POST', token: fan.token, body: JSON.stringify({ songId: id }) }],
      [
        `/v1/shows/${id}/votes`,
        { method: 'POST', token: fan.token, body: JSON.stringify({ setlistSongId: id, voteId: id }) },
      ],
      [`/v1/shows/${id}/votes/${id}`, { method: 'DELETE', token: fan.token }],
      [`/v1/shows/${id}/lock`, { method: 'PUT', token: moderator.token, body: JSON.stringify({ locked: true }) }],
    ];
    for (const [path, init] of requests) {
      const res = await api(path, init);
      expect(res.status, `${init.method ?? 'GET'} ${path}`).toBe(404);
      expect(await errorOf(res), path).toMatchObject({ code: 'not_found', message: 'The show does not exist.' });
    }
  });

  it('still reaches the room of a show created a moment ago', async () => {
    const { show } = await createShow();
    const res = await api(`/v1/shows/${show.id}/setlist`);
    expect(res.status).toBe(200);
  });
});

describe('WebSocket upgrades signed in by the session cookie', () => {
  async function upgrade(showId: string, headers: Record<string, string>): Promise<number> {
    const res = await api(`/v1/shows/${showId}/live`, { headers: { Upgrade: 'websocket', ...headers } });
    if (res.webSocket) {
      res.webSocket.accept();
      res.webSocket.close(1000, 'test done');
    }
    return res.status;
  }

  it('must come from this site or WEB_ORIGINS (no cross-site WebSocket hijacking)', async () => {
    const { show } = await createShow();
    const fan = await signUp();
    const session = { Cookie: `msl_session=${fan.token}` };
    const refused = await api(`/v1/shows/${show.id}/live`, {
      headers: { Upgrade: 'websocket', ...session, Origin: 'https://evil.example' },
    });
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toMatchObject({ code: 'origin_not_allowed' });
    expect(await upgrade(show.id, { ...session, Origin: 'null' })).toBe(403);
    expect(await upgrade(show.id, { ...session, Origin: ORIGIN })).toBe(101);
    expect(await upgrade(show.id, { ...session, Origin: 'http://127.0.0.1:8787' })).toBe(101);
    // Not from a browser page: no Origin.
    expect(await upgrade(show.id, session)).toBe(101);
    // A token is a secret another site does not have; an anonymous socket can only watch.
    expect(await upgrade(show.id, { Authorization: `Bearer ${fan.token}`, Origin: 'https://evil.example' })).toBe(101);
    expect(await upgrade(show.id, { Origin: 'https://evil.example' })).toBe(101);
  });
});

describe('web form posts', () => {
  it('are refused over 64 KiB with 413: a page for browsers, the JSON error for others', async () => {
    const big = form({ email: 'a@example.test', password: 'x', filler: 'x'.repeat(70 * 1024) });
    const res = await page('/login', big);
    expect(res.status).toBe(413);
    expect(res.headers.get('Content-Type')).toContain('text/html');
    expect(await res.text()).toContain('That form sent more than 64 KiB');

    const json = await page('/login', { ...big, headers: { ...big.headers, Accept: 'application/json' } });
    expect(json.status).toBe(413);
    expect(await errorOf(json)).toMatchObject({ code: 'payload_too_large' });

    // A form of ordinary size is still read.
    expect((await page('/login', form({ email: 'a@example.test', password: 'x' }))).status).toBe(401);
  });
});

describe('Web Push endpoints', () => {
  // `*.push.test` is answered (and recorded) by the fake push service, like a real host would be: not an allowed one.
  const offList = () => `https://attacker.push.test/${crypto.randomUUID()}`;

  it("are refused at registration unless on a push service's host", async () => {
    const fan = await signUp();
    const browser = await browserSubscription();
    for (const endpoint of [offList(), 'https://169.254.169.254/latest', 'https://fcm.googleapis.com.evil.example/x']) {
      const res = await api('/v1/me/push-subscriptions', {
        method: 'POST',
        token: fan.token,
        body: JSON.stringify({ ...browser, endpoint }),
      });
      expect(res.status, endpoint).toBe(400);
      expect(await errorOf(res)).toMatchObject({ code: 'push_service_not_allowed' });
    }
    const ok = await api('/v1/me/push-subscriptions', {
      method: 'POST',
      token: fan.token,
      body: JSON.stringify(browser),
    });
    expect(ok.status).toBe(201);
  });

  it('are checked again before each send: a stored off-list endpoint is never called, and is removed', async () => {
    const { artist, show } = await createShow();
    const fan = await signUp();
    await api(`/v1/me/follows/${artist.id}`, { method: 'PUT', token: fan.token });
    const browser = await browserSubscription();
    const endpoint = offList();
    // Stored before the registration check existed.
    await sql().query(
      `insert into push_subscriptions (user_id, type, endpoint, p256dh, auth) values ($1, 'webpush', $2, $3, $4)`,
      [fan.user.id, endpoint, browser.keys.p256dh, browser.keys.auth],
    );
    const { eventId } = await enqueueShowAnnounced(testDb(), env.NOTIFICATIONS, show.id);
    const delivery = await eventually(async () => {
      const row = (await deliveriesOf(eventId)).find((r) => r.user_id === fan.user.id && r.channel === 'webpush');
      return row && !['queued', 'sending', 'retrying'].includes(row.status) ? row : undefined;
    }, 20_000);
    expect(delivery.status).toBe('failed');
    expect(await providerRequests('webpush', endpoint)).toEqual([]);
    const left = (await sql().query('select count(*)::int as n from push_subscriptions where endpoint = $1', [
      endpoint,
    ])) as { n: number }[];
    expect(left[0]?.n).toBe(0);
  });
});

describe('unsubscribe links', () => {
  const key = () => env.UNSUBSCRIBE_SIGNING_KEY;
  const emailOn = async (token: string) => {
    const prefs = (await (await api('/v1/me/notification-preferences', { token })).json()) as {
      kinds: Record<string, Record<string, boolean>>;
    };
    return prefs.kinds.show_announced?.email;
  };

  it('GET (a mail scanner, a link preview) only asks; the POST of the same URL unsubscribes', async () => {
    const fan = await signUp();
    const token = await signUnsubscribeToken(key(), { u: fan.user.id, k: 'show_announced', c: 'email' });
    const scanned = await api(`/v1/unsubscribe?token=${token}`);
    expect(scanned.status).toBe(200);
    expect(await scanned.json()).toEqual({ confirm: { kind: 'show_announced', channel: 'email' }, method: 'POST' });
    const browser = await api(`/v1/unsubscribe?token=${token}`, { headers: { Accept: 'text/html' } });
    expect(browser.status).toBe(200);
    const page = await browser.text();
    expect(page).toContain('<form method="post" action="/v1/unsubscribe?token=');
    expect(await emailOn(fan.token)).toBe(true);

    const clicked = await api(`/v1/unsubscribe?token=${token}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(clicked.status).toBe(200);
    expect(await clicked.text()).toContain('You are unsubscribed');
    expect(await emailOn(fan.token)).toBe(false);
  });
});

describe('attempt limits', () => {
  it('log-in: guesses sent at once cannot get past the limit (counted before deciding)', async () => {
    const fan = await signUp();
    const ip = `203.0.113.${Math.floor(Math.random() * 250)}`;
    const guesses = await Promise.all(
      Array.from({ length: 30 }, () =>
        api('/v1/auth/login', {
          method: 'POST',
          headers: { 'CF-Connecting-IP': ip },
          body: JSON.stringify({ email: fan.user.email, password: 'a wrong guess!' }),
        }),
      ),
    );
    const statuses = guesses.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
  });

  it('a right password does not use up the limit', async () => {
    const fan = await signUp();
    for (let i = 0; i < 12; i++) {
      const res = await api('/v1/auth/login', {
        method: 'POST',
        body: JSON.stringify({ email: fan.user.email, password: fan.password }),
      });
      expect(res.status).toBe(200);
    }
  });

  it('the current password at /me/password is limited too, also when guesses are sent at once', async () => {
    const fan = await signUp();
    const tries = await Promise.all(
      Array.from({ length: 15 }, () =>
        api('/v1/me/password', {
          method: 'POST',
          token: fan.token,
          body: JSON.stringify({ currentPassword: 'a wrong guess!', newPassword: 'a brand new passphrase' }),
        }),
      ),
    );
    expect(tries.map((r) => r.status).filter((s) => s === 429)).toHaveLength(5);
    const refused = await api('/v1/me/password', {
      method: 'POST',
      token: fan.token,
      body: JSON.stringify({ currentPassword: fan.password, newPassword: 'a brand new passphrase' }),
    });
    expect(refused.status).toBe(429);
    expect(await errorOf(refused)).toMatchObject({ code: 'too_many_attempts' });
  });
});
