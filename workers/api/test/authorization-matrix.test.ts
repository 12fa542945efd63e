import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import * as schema from '#shared/db/schema';
import { createApp } from '../src/app';
import { createShow, testDb, uniqueEmail } from './support';

/**
 * Every route × every kind of caller, with the status each must get. The table is checked against the
 * app's own route list, so a route added without a rule here fails this test: authorization is decided
 * for every route on purpose, never by omission.
 *
 * Requests go to the app in-process with the worker's real bindings (rooms, limiter, queues, Postgres):
 * the test pool's loopback fetch slows down with every request and this file makes a few hundred.
 */
const PERSONAS = ['anonymous', 'fan', 'otherFan', 'moderator', 'admin'] as const;
type Persona = (typeof PERSONAS)[number];
type Expected = number | number[];

interface Account {
  id: string;
  email: string;
  password: string;
  token: string;
}

interface Context {
  showId: string;
  setlistSongId: string;
  songIds: string[];
  otherFanSessionId: string;
  roleTargetId: string;
  loginEmail: string;
  artistId: string;
  artistSlug: string;
  venueId: string;
  /** A second show, changed by the admin show rules (so the main show's room stays as the other rules need it). */
  adminShowId: string;
  /** Shows of the scoring rules: one whose setlist is entered live, one with a played song, finalised by the rules. */
  liveSetlistShowId: string;
  finalShowId: string;
}

interface Rule {
  expect: Record<Persona, Expected>;
  body?: (ctx: Context, who: Account | null) => unknown;
  /** Destructive for the caller (log-out, deletion): each persona gets a fresh account. */
  fresh?: boolean;
  /** The concrete path, when the route's parameters are not the ones substituted below. */
  path?: (ctx: Context) => string;
  /** Extra request headers (the web app's form posts carry a same-origin `Origin`, or CSRF protection refuses them). */
  headers?: Record<string, string>;
}

const everyone = (status: Expected): Record<Persona, Expected> => ({
  anonymous: status,
  fan: status,
  otherFan: status,
  moderator: status,
  admin: status,
});
const signedIn = (status: Expected): Record<Persona, Expected> => ({ ...everyone(status), anonymous: 401 });
const roles = (allowed: Expected, ...who: Persona[]): Record<Persona, Expected> => ({
  anonymous: 401,
  fan: who.includes('fan') ? allowed : 403,
  otherFan: who.includes('otherFan') ? allowed : 403,
  moderator: who.includes('moderator') ? allowed : 403,
  admin: who.includes('admin') ? allowed : 403,
});

/** A form post of the web app, as a browser sends it from one of its pages (app.request's origin). */
const FORM_POST = { Origin: 'http://localhost' };

const RULES: Record<string, Rule> = {
  'GET /health': { expect: everyone(200) },
  'GET /v1/openapi.json': { expect: everyone(200) },
  'GET /docs': { expect: everyone(200) },
  'GET /docs/': { expect: everyone(301) },
  'POST /v1/auth/signup': {
    expect: everyone(201),
    body: () => ({ email: uniqueEmail('matrix'), password: 'matrix password 123' }),
  },
  'POST /v1/auth/login': {
    expect: everyone(200),
    body: (ctx) => ({ email: ctx.loginEmail, password: 'matrix password 123' }),
  },
  'POST /v1/auth/logout': { expect: signedIn(204), fresh: true },
  'GET /v1/me': { expect: signedIn(200) },
  'DELETE /v1/me': { expect: signedIn(204), fresh: true, body: (_ctx, who) => ({ password: who?.password ?? 'x' }) },
  'GET /v1/me/export': { expect: signedIn(200) },
  'GET /v1/me/mfa': { expect: signedIn(200) },
  'POST /v1/me/mfa/enroll': { expect: signedIn(200), fresh: true },
  'POST /v1/me/mfa/confirm': { expect: signedIn(409), body: () => ({ code: '123456' }) },
  'POST /v1/me/mfa/disable': { expect: signedIn(409), body: () => ({ code: '123456' }) },
  'GET /v1/me/sessions': { expect: signedIn(200) },
  'DELETE /v1/me/sessions': { expect: signedIn(200), fresh: true },
  // Only the owner may end a session: the others get 404, as if it did not exist.
  'DELETE /v1/me/sessions/:id': { expect: { anonymous: 401, fan: 404, otherFan: 204, moderator: 404, admin: 404 } },
  'POST /v1/me/password': {
    expect: signedIn(204),
    fresh: true,
    body: (_ctx, who) => ({ currentPassword: who?.password ?? 'x', newPassword: 'a brand new passphrase' }),
  },
  'GET /v1/shows': { expect: everyone(200) },
  'GET /v1/shows/:showId/setlist': { expect: everyone(200) },
  'POST /v1/shows/:showId/setlist': { expect: signedIn([200, 201]), body: (ctx) => ({ songId: ctx.songIds[1] }) },
  'POST /v1/shows/:showId/votes': {
    expect: signedIn(201),
    body: (ctx) => ({ setlistSongId: ctx.setlistSongId, voteId: crypto.randomUUID() }),
  },
  'DELETE /v1/shows/:showId/votes/:setlistSongId': { expect: signedIn(204) },
  'PUT /v1/shows/:showId/lock': { expect: roles(200, 'moderator', 'admin'), body: () => ({ locked: false }) },
  // Not a WebSocket request: everyone is told to upgrade; the socket itself is open to anonymous watchers.
  'GET /v1/shows/:showId/live': { expect: everyone(426) },
  'GET /v1/admin/dead-letters': { expect: roles(200, 'admin') },
  'POST /v1/admin/dead-letters/replay': { expect: roles(200, 'admin'), body: () => ({}) },
  'POST /v1/admin/recovery/rebuild': { expect: roles(200, 'admin') },
  'POST /v1/admin/recovery/recheck': { expect: roles(200, 'admin'), body: (ctx) => ({ showIds: [ctx.showId] }) },
  'PUT /v1/admin/users/:userId/role': { expect: roles(200, 'admin'), body: () => ({ role: 'fan' }) },
  'GET /v1/admin/audit-log': { expect: roles(200, 'admin') },
  'GET /v1/admin/flags': { expect: roles(200, 'admin') },
  // Demo artwork (web/artwork.ts): a generated SVG per artist slug, public.
  'GET /art/:file{[a-z0-9-]+\\.svg}': { expect: everyone(200), path: (ctx) => `/art/${ctx.artistSlug}.svg` },
  'PUT /v1/admin/flags/:key': {
    expect: roles(200, 'admin'),
    path: () => '/v1/admin/flags/room_fanout',
    body: () => ({ enabled: true, percentage: 100, userIds: [] }),
  },
  // Catalogue (routes/artists.ts, shows.ts, venues.ts, follows.ts, admin-catalog.ts).
  'GET /v1/artists': { expect: everyone(200) },
  'GET /v1/artists/:idOrSlug': { expect: everyone(200), path: (ctx) => `/v1/artists/${ctx.artistSlug}` },
  'GET /v1/artists/:idOrSlug/similar': { expect: everyone(200), path: (ctx) => `/v1/artists/${ctx.artistId}/similar` },
  'GET /v1/artists/:idOrSlug/songs': {
    expect: everyone(200),
    path: (ctx) => `/v1/artists/${ctx.artistSlug}/songs?q=song`,
  },
  'GET /v1/shows/:idOrSlug': { expect: everyone(200), path: (ctx) => `/v1/shows/${ctx.showId}` },
  'GET /v1/venues': { expect: everyone(200) },
  'GET /v1/venues/:idOrSlug': { expect: everyone(200), path: (ctx) => `/v1/venues/${ctx.venueId}` },
  'PUT /v1/me/follows/:artistId': { expect: signedIn(204), path: (ctx) => `/v1/me/follows/${ctx.artistId}` },
  'DELETE /v1/me/follows/:artistId': { expect: signedIn(204), path: (ctx) => `/v1/me/follows/${ctx.artistId}` },
  'GET /v1/me/follows': { expect: signedIn(200) },
  'GET /v1/me/feed': { expect: signedIn(200) },
  'POST /v1/admin/artists': {
    expect: roles(201, 'admin'),
    body: () => ({ name: `Matrix Artist ${crypto.randomUUID().slice(0, 8)}` }),
  },
  'PATCH /v1/admin/artists/:id': {
    expect: roles(200, 'admin'),
    body: () => ({ popularity: 42 }),
    path: (ctx) => `/v1/admin/artists/${ctx.artistId}`,
  },
  'POST /v1/admin/artists/:id/songs': {
    expect: roles(201, 'admin'),
    body: () => ({ title: 'Matrix Song' }),
    path: (ctx) => `/v1/admin/artists/${ctx.artistId}/songs`,
  },
  // Song 3 of the show's artist is changed and song 4 removed (nothing else uses them).
  'PATCH /v1/admin/songs/:id': {
    expect: roles(200, 'admin'),
    body: () => ({ album: 'Matrix Album' }),
    path: (ctx) => `/v1/admin/songs/${ctx.songIds[2]}`,
  },
  'DELETE /v1/admin/songs/:id': {
    expect: roles(200, 'admin'),
    path: (ctx) => `/v1/admin/songs/${ctx.songIds[3]}`,
  },
  'POST /v1/admin/songs/:id/restore': {
    expect: roles(200, 'admin'),
    path: (ctx) => `/v1/admin/songs/${ctx.songIds[3]}/restore`,
  },
  'POST /v1/admin/venues': {
    expect: roles(201, 'admin'),
    body: () => ({
      name: `Matrix Hall ${crypto.randomUUID().slice(0, 8)}`,
      city: 'Lyon',
      country: 'FR',
      timeZone: 'Europe/Paris',
    }),
  },
  // Imports (routes/admin-imports.ts): starting one spends provider quota, so admins only; progress is readable by moderators.
  'POST /v1/admin/imports': {
    expect: roles(202, 'admin'),
    body: () => ({ artistName: `Matrix Import ${crypto.randomUUID().slice(0, 8)}` }),
  },
  'GET /v1/admin/imports/:id': {
    expect: roles(404, 'moderator', 'admin'),
    path: () => `/v1/admin/imports/${crypto.randomUUID()}`,
  },
  'PATCH /v1/admin/venues/:id': {
    expect: roles(200, 'admin'),
    body: () => ({ capacity: 1200 }),
    path: (ctx) => `/v1/admin/venues/${ctx.venueId}`,
  },
  'POST /v1/admin/shows': {
    expect: roles(201, 'moderator', 'admin'),
    body: (ctx) => ({
      slug: `matrix-show-${crypto.randomUUID().slice(0, 8)}`,
      artistId: ctx.artistId,
      venueId: ctx.venueId,
      startsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    }),
  },
  'PATCH /v1/admin/shows/:id': {
    expect: roles(200, 'moderator', 'admin'),
    body: () => ({ status: 'upcoming' }),
    path: (ctx) => `/v1/admin/shows/${ctx.adminShowId}`,
  },
  // Search and trending (routes/search.ts, routes/trending.ts).
  'GET /v1/search': { expect: everyone(200), path: () => '/v1/search?q=matrix' },
  'POST /v1/search/clicks': {
    expect: everyone(204),
    body: (ctx) => ({ query: 'matrix', type: 'show', id: ctx.showId }),
  },
  'GET /v1/admin/search-stats': { expect: roles(200, 'admin') },
  'GET /v1/trending/shows': { expect: everyone(200) },
  'GET /v1/trending/artists': { expect: everyone(200) },
  // The web app's pages (web/index.tsx). They act through the /v1 routes above with the caller's credentials, so
  // these rules only pin how each page answers: signed-in pages send anonymous visitors to the log-in page (303),
  // form posts always redirect back (303) with the API's verdict as a message, refused or not.
  'GET /': { expect: everyone(200) },
  'GET /search': { expect: everyone(200), path: () => '/search?q=matrix' },
  'GET /artists/:slug': { expect: everyone(200), path: (ctx) => `/artists/${ctx.artistSlug}` },
  'POST /artists/:slug/follow': {
    expect: everyone(303),
    path: (ctx) => `/artists/${ctx.artistSlug}/follow`,
    headers: FORM_POST,
  },
  'GET /venues/:slug': { expect: everyone(200), path: (ctx) => `/venues/${ctx.venueId}` },
  'GET /shows/:slug': { expect: everyone(200), path: (ctx) => `/shows/${ctx.showId}` },
  'POST /shows/:slug/lock': {
    expect: everyone(303),
    path: (ctx) => `/shows/${ctx.adminShowId}/lock`,
    headers: FORM_POST,
  },
  'POST /shows/:slug/played': {
    expect: everyone(303),
    path: (ctx) => `/shows/${ctx.adminShowId}/played`,
    headers: FORM_POST,
  },
  'POST /shows/:slug/played/undo': {
    expect: everyone(303),
    path: (ctx) => `/shows/${ctx.adminShowId}/played/undo`,
    headers: FORM_POST,
  },
  'POST /shows/:slug/finalize': {
    expect: everyone(303),
    path: (ctx) => `/shows/${ctx.adminShowId}/finalize`,
    headers: FORM_POST,
  },
  'GET /leaderboard': { expect: everyone(200) },
  'GET /signup': { expect: { ...everyone(303), anonymous: 200 } },
  'POST /signup': { expect: everyone(400), headers: FORM_POST },
  'GET /login': { expect: { ...everyone(303), anonymous: 200 } },
  'POST /login': { expect: everyone(400), headers: FORM_POST },
  'POST /logout': { expect: everyone(303), fresh: true, headers: FORM_POST },
  'GET /account': { expect: { ...everyone(200), anonymous: 303 } },
  'POST /account/sessions/end-others': { expect: everyone(303), fresh: true, headers: FORM_POST },
  'POST /account/sessions/:id/end': {
    expect: everyone(303),
    path: () => `/account/sessions/${crypto.randomUUID()}/end`,
    headers: FORM_POST,
  },
  'POST /account/mfa/enroll': { expect: { ...everyone(200), anonymous: 303 }, fresh: true, headers: FORM_POST },
  'POST /account/mfa/confirm': { expect: { ...everyone(400), anonymous: 303 }, headers: FORM_POST },
  'POST /account/mfa/disable': { expect: everyone(303), headers: FORM_POST },
  'GET /account/export': { expect: { ...everyone(200), anonymous: 303 } },
  'POST /account/delete': { expect: everyone(303), fresh: true, headers: FORM_POST },
  'GET /feed': { expect: { ...everyone(200), anonymous: 303 } },
  'GET /inbox': { expect: { ...everyone(200), anonymous: 303 } },
  'POST /inbox/read-all': { expect: everyone(303), headers: FORM_POST },
  'POST /inbox/:id/read': {
    expect: everyone(303),
    path: () => `/inbox/${crypto.randomUUID()}/read`,
    headers: FORM_POST,
  },
  'POST /account/notifications': { expect: everyone(303), headers: FORM_POST },
  'GET /admin': { expect: { anonymous: 303, fan: 403, otherFan: 403, moderator: 200, admin: 200 } },
  'GET /ops': { expect: { anonymous: 303, fan: 403, otherFan: 403, moderator: 200, admin: 200 } },
  'GET /admin/anomalies': { expect: { anonymous: 303, fan: 403, otherFan: 403, moderator: 200, admin: 200 } },
  'GET /admin/imports': { expect: { anonymous: 303, fan: 403, otherFan: 403, moderator: 403, admin: 200 } },
  'POST /admin/imports': { expect: everyone(303), headers: FORM_POST },
  'GET /admin/imports/:id': {
    expect: { anonymous: 303, fan: 403, otherFan: 403, moderator: 404, admin: 404 },
    path: () => `/admin/imports/${crypto.randomUUID()}`,
  },
  'POST /admin/anomalies/:id/discount': {
    expect: everyone(303),
    path: () => `/admin/anomalies/${crypto.randomUUID()}/discount`,
    headers: FORM_POST,
  },
  'POST /admin/anomalies/:id/restore': {
    expect: everyone(303),
    path: () => `/admin/anomalies/${crypto.randomUUID()}/restore`,
    headers: FORM_POST,
  },
  // Machine learning (routes/forecast.ts, routes/recommendations.ts).
  'GET /v1/shows/:showId/forecast': { expect: everyone(200) },
  'GET /v1/me/recommendations': { expect: signedIn(200) },
  // The actual setlist and scoring (routes/actual-setlist.ts, routes/leaderboard.ts). A new title per request,
  // so moderator and admin each add one song, and each undoes one.
  'POST /v1/shows/:showId/played': {
    expect: roles(201, 'moderator', 'admin'),
    body: () => ({ title: `Matrix Encore ${crypto.randomUUID().slice(0, 8)}` }),
    path: (ctx) => `/v1/shows/${ctx.liveSetlistShowId}/played`,
  },
  'DELETE /v1/shows/:showId/played/:position': {
    expect: roles(200, 'moderator', 'admin'),
    path: (ctx) => `/v1/shows/${ctx.liveSetlistShowId}/played/last`,
  },
  'GET /v1/shows/:showId/actual-setlist': {
    expect: everyone(200),
    path: (ctx) => `/v1/shows/${ctx.finalShowId}/actual-setlist`,
  },
  // Finalising twice is idempotent: moderator and admin both get 200. The accuracy rule runs after it.
  'POST /v1/shows/:showId/actual-setlist/finalize': {
    expect: roles(200, 'moderator', 'admin'),
    path: (ctx) => `/v1/shows/${ctx.finalShowId}/actual-setlist/finalize`,
  },
  'GET /v1/shows/:showId/accuracy': { expect: everyone(200), path: (ctx) => `/v1/shows/${ctx.finalShowId}/accuracy` },
  'GET /v1/leaderboard': { expect: everyone(200), path: () => '/v1/leaderboard?period=week' },
  'GET /v1/artists/:idOrSlug/leaderboard': {
    expect: everyone(200),
    path: (ctx) => `/v1/artists/${ctx.artistSlug}/leaderboard`,
  },
  // Analytics (routes/admin-analytics.ts): moderators and admins. No anomaly has that id: staff get 404.
  'GET /v1/admin/metrics': { expect: roles(200, 'moderator', 'admin') },
  // Operations (routes/admin-ops.ts): no trace has that id, so staff get 404.
  'GET /v1/admin/alerts': { expect: roles(200, 'moderator', 'admin') },
  'GET /v1/admin/traces/:traceId': {
    expect: roles(404, 'moderator', 'admin'),
    path: () => `/v1/admin/traces/${'ab'.repeat(16)}`,
  },
  'GET /v1/admin/anomalies': { expect: roles(200, 'moderator', 'admin') },
  'POST /v1/admin/anomalies/:id/discount': {
    expect: roles(404, 'moderator', 'admin'),
    path: () => `/v1/admin/anomalies/${crypto.randomUUID()}/discount`,
  },
  'DELETE /v1/admin/anomalies/:id/discount': {
    expect: roles(404, 'moderator', 'admin'),
    path: () => `/v1/admin/anomalies/${crypto.randomUUID()}/discount`,
  },
  // Notifications (routes/notifications.ts). Another user's notification or device is reported missing (404).
  'GET /v1/me/notifications': { expect: signedIn(200) },
  'POST /v1/me/notifications/:id/read': {
    expect: signedIn(404),
    path: () => `/v1/me/notifications/${crypto.randomUUID()}/read`,
  },
  'POST /v1/me/notifications/read-all': { expect: signedIn(200) },
  'GET /v1/me/notification-preferences': { expect: signedIn(200) },
  'PUT /v1/me/notification-preferences': { expect: signedIn(200), body: () => ({ locale: 'en' }) },
  'POST /v1/me/push-subscriptions': {
    expect: signedIn(201),
    body: () => ({ type: 'fcm', token: `matrix-device-${crypto.randomUUID()}` }),
  },
  'DELETE /v1/me/push-subscriptions/:id': {
    expect: signedIn(404),
    path: () => `/v1/me/push-subscriptions/${crypto.randomUUID()}`,
  },
  'GET /v1/push/vapid-public-key': { expect: everyone(200) },
  // No sign-in needed (links in emails): everyone reaches the token check, so a bad token is 400, never 401.
  'GET /v1/unsubscribe': { expect: everyone(400), path: () => '/v1/unsubscribe?token=not.valid' },
  'POST /v1/unsubscribe': { expect: everyone(400), path: () => '/v1/unsubscribe?token=not.valid' },
};

const app = createApp();
const request = (path: string, init: RequestInit = {}) => app.request(path, init, env, createExecutionContext());

async function account(role: 'fan' | 'moderator' | 'admin' = 'fan'): Promise<Account> {
  const email = uniqueEmail('matrix');
  const password = 'matrix password 123';
  const res = await request('/v1/auth/signup', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status}`);
  const { user, token } = (await res.json()) as { user: { id: string }; token: string };
  if (role !== 'fan') await testDb().update(schema.users).set({ role }).where(eq(schema.users.id, user.id));
  return { id: user.id, email, password, token };
}

/** The app's routes as "METHOD /path" (Hono's `:param` form), without middleware entries. */
function appRoutes(): string[] {
  const routes = new Set<string>();
  for (const r of app.routes) if (r.method !== 'ALL') routes.add(`${r.method} ${r.path}`);
  return [...routes].sort();
}

describe('authorization matrix', () => {
  const accounts = {} as Record<Exclude<Persona, 'anonymous'>, Account>;
  let ctx: Context;

  beforeAll(async () => {
    const [{ show, songs, artist, venue }, { show: adminShow }, { show: liveSetlistShow }, { show: finalShow }] =
      await Promise.all([createShow({ songs: 4 }), createShow(), createShow(), createShow({ status: 'live' })]);
    await testDb()
      .insert(schema.playedSongs)
      .values({ showId: finalShow.id, position: 1, title: 'Matrix Opener', source: 'moderator' });
    [accounts.fan, accounts.otherFan, accounts.moderator, accounts.admin] = await Promise.all([
      account(),
      account(),
      account('moderator'),
      account('admin'),
    ]);
    const loginAccount = await account();
    const roleTarget = await account();
    const added = await request(`/v1/shows/${show.id}/setlist`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${accounts.fan.token}` },
      body: JSON.stringify({ songId: songs[0]!.id }),
    });
    const { setlistSongId } = (await added.json()) as { setlistSongId: string };
    // A second session of otherFan, for the session-revocation rule: their main session must survive it.
    const secondLogin = await request('/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: accounts.otherFan.email, password: accounts.otherFan.password }),
    });
    const secondToken = ((await secondLogin.json()) as { token: string }).token;
    const mine = (await (
      await request('/v1/me/sessions', { headers: { Authorization: `Bearer ${secondToken}` } })
    ).json()) as { items: { id: string; current: boolean }[] };
    const otherFanSessionId = mine.items.find((s) => s.current)!.id;
    ctx = {
      showId: show.id,
      setlistSongId,
      songIds: songs.map((s) => s.id),
      otherFanSessionId,
      roleTargetId: roleTarget.id,
      loginEmail: loginAccount.email,
      artistId: artist.id,
      artistSlug: artist.slug,
      venueId: venue.id,
      adminShowId: adminShow.id,
      liveSetlistShowId: liveSetlistShow.id,
      finalShowId: finalShow.id,
    };
  }, 60_000);

  it('has a rule for every route, and no rule for a route that does not exist', () => {
    const routes = appRoutes();
    expect(
      routes.filter((r) => !(r in RULES)),
      'routes without an authorization rule',
    ).toEqual([]);
    expect(
      Object.keys(RULES).filter((r) => !routes.includes(r)),
      'rules for routes that do not exist',
    ).toEqual([]);
  });

  for (const [route, rule] of Object.entries(RULES)) {
    it(`${route}`, async () => {
      const [method, pattern] = route.split(' ') as [string, string];
      for (const persona of PERSONAS) {
        const who =
          persona === 'anonymous'
            ? null
            : rule.fresh
              ? await account(persona === 'otherFan' ? 'fan' : persona)
              : accounts[persona];
        const path =
          rule.path?.(ctx) ??
          pattern
            .replace(':showId', ctx.showId)
            .replace(':setlistSongId', ctx.setlistSongId)
            .replace(':userId', ctx.roleTargetId)
            .replace(':id', ctx.otherFanSessionId);
        const headers = new Headers({
          'CF-Connecting-IP': `192.0.2.${PERSONAS.indexOf(persona) + 10}`,
          ...rule.headers,
        });
        if (who) headers.set('Authorization', `Bearer ${who.token}`);
        const body = rule.body?.(ctx, who);
        if (body !== undefined) headers.set('Content-Type', 'application/json');
        const res = await request(path, {
          method,
          headers,
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        const expected = rule.expect[persona];
        const allowed = Array.isArray(expected) ? expected : [expected];
        expect(
          allowed,
          `${route} as ${persona}: got ${res.status} ${res.status >= 400 ? await res.text() : ''}`,
        ).toContain(res.status);
      }
    });
  }
});
