/**
 * Analytics (docs/analytics.md): monthly partitions of analytics_events, rollups, the admin metrics and the vote
 * anomaly detector with discounting. Everything runs through the real parts: the api app with its bindings, the
 * real rooms, the real ANALYTICS and VOTE_EVENTS queues with their consumers, Postgres through the Neon driver.
 */

import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '#shared/db/client';
import { LATENCY_BUCKETS } from '#shared/schemas/analytics';
import type { AnalyticsEvent } from '#shared/schemas/events';
import { detectAnomalies } from '../src/analytics/anomalies';
import { networkIdOf } from '../src/analytics/network-id';
import { dropExpiredPartitions, ensurePartitions, listPartitions } from '../src/analytics/partitions';
import { RequestMetrics } from '../src/analytics/request-metrics';
import { rollupDaily, rollupHourly } from '../src/analytics/rollups';
import { createApp } from '../src/app';
import type { AppEnv } from '../src/app-env';
import { requestMetrics } from '../src/middleware/request-metrics';
import { createShow, eventually, joinRoom, signUpAs, sql, uniqueEmail } from './support';

const app = createApp();
const call = (path: string, init: RequestInit = {}) => app.request(path, init, env, createExecutionContext());

let handle: ReturnType<typeof openDatabase>;
let db: Database;
beforeAll(() => {
  handle = openDatabase(env);
  db = handle.db;
});
afterAll(async () => {
  await handle.close();
});

function analyticsEvent(kind: string, at: Date, fields: Partial<AnalyticsEvent> = {}): AnalyticsEvent {
  return { v: 1, eventId: crypto.randomUUID(), kind, at: at.toISOString(), data: {}, ...fields };
}

async function partitionOf(eventId: string): Promise<string | undefined> {
  const rows = (await sql().query(`select tableoid::regclass::text as p from analytics_events where event_id = $1`, [
    eventId,
  ])) as { p: string }[];
  return rows[0]?.p;
}

/** A fan whose account was created `minutesAgo` minutes ago (sign-up, then the creation time moved back). */
async function fanCreated(minutesAgo: number): Promise<{ id: string; token: string }> {
  const res = await call('/v1/auth/signup', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: uniqueEmail('analytics'), password: 'analytics password 1' }),
  });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status}`);
  const { user, token } = (await res.json()) as { user: { id: string }; token: string };
  await sql().query(`update users set created_at = now() - make_interval(mins => $2) where id = $1`, [
    user.id,
    minutesAgo,
  ]);
  return { id: user.id, token };
}

/** Sign-ups in small groups: sixty at once hash passwords long enough to trip the database timeout on PGlite. */
async function fansCreated(n: number, minutesAgo: number): Promise<{ id: string; token: string }[]> {
  const fans: { id: string; token: string }[] = [];
  while (fans.length < n)
    fans.push(
      ...(await Promise.all(Array.from({ length: Math.min(10, n - fans.length) }, () => fanCreated(minutesAgo)))),
    );
  return fans;
}

async function vote(showId: string, setlistSongId: string, token: string, ip: string): Promise<number> {
  const res = await call(`/v1/shows/${showId}/votes`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, 'CF-Connecting-IP': ip },
    body: JSON.stringify({ setlistSongId, voteId: crypto.randomUUID() }),
  });
  return res.status;
}

async function addSong(showId: string, songId: string, token: string): Promise<string> {
  const res = await call(`/v1/shows/${showId}/setlist`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ songId }),
  });
  return ((await res.json()) as { setlistSongId: string }).setlistSongId;
}

const voteRowsOf = async (showId: string) =>
  (
    (await sql().query(`select count(*)::int as n from analytics_events where kind = 'vote' and show_id = $1`, [
      showId,
    ])) as { n: number }[]
  )[0]!.n;
const voteCountOf = async (setlistSongId: string) =>
  (
    (await sql().query(`select vote_count from setlist_songs where id = $1`, [setlistSongId])) as {
      vote_count: number;
    }[]
  )[0]?.vote_count;

describe('partitions', () => {
  it('creates monthly partitions ahead, routes events to their month, moves early arrivals out of the default partition, and drops expired months', async () => {
    // A month far in the past, so that nothing else in the shared test database is touched.
    const early = analyticsEvent('show_view', new Date('2001-03-10T12:00:00Z'));
    await env.ANALYTICS.send(early, { contentType: 'json' });
    await eventually(async () => (await partitionOf(early.eventId)) ?? undefined);
    expect(await partitionOf(early.eventId)).toBe('analytics_events_default');

    const created = await ensurePartitions(db, new Date('2001-02-15T00:00:00Z'), 2);
    expect(created).toEqual(['analytics_events_p2001_02', 'analytics_events_p2001_03', 'analytics_events_p2001_04']);
    expect(await ensurePartitions(db, new Date('2001-02-15T00:00:00Z'), 2)).toEqual([]);
    expect(await partitionOf(early.eventId)).toBe('analytics_events_p2001_03');

    const events = [
      analyticsEvent('search', new Date('2001-02-28T23:59:59.999Z')),
      analyticsEvent('search', new Date('2001-04-01T00:00:00Z')),
    ];
    await env.ANALYTICS.sendBatch(events.map((body) => ({ body, contentType: 'json' as const })));
    await eventually(async () => ((await partitionOf(events[1]!.eventId)) ? true : undefined));
    expect(await partitionOf(events[0]!.eventId)).toBe('analytics_events_p2001_02');
    expect(await partitionOf(events[1]!.eventId)).toBe('analytics_events_p2001_04');

    // The migration made the current month and two ahead; retention drops only whole months past the cutoff.
    const now = new Date();
    const current = `analytics_events_p${now.getUTCFullYear()}_${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    const dropped = await dropExpiredPartitions(db, now, 13);
    expect(dropped).toEqual(
      expect.arrayContaining(['analytics_events_p2001_02', 'analytics_events_p2001_03', 'analytics_events_p2001_04']),
    );
    const left = (await listPartitions(db)).map((p) => p.name);
    expect(left).toContain(current);
    expect(left.filter((n) => n.startsWith('analytics_events_p2001'))).toEqual([]);
    expect(await partitionOf(early.eventId)).toBeUndefined();
  });
});

describe('rollups', () => {
  it('counts events and distinct users per hour and per day, and a repeated run gives the same rows', async () => {
    const showId = crypto.randomUUID();
    const [u1, u2] = [crypto.randomUUID(), crypto.randomUUID()];
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000);
    const at = (minutes: number) => new Date(hour.getTime() + minutes * 60_000).toISOString();
    const rows: [string, string, string | null][] = [
      ['show_view', at(5), null],
      ['show_view', at(50), null],
      ['vote', at(10), u1],
      ['vote', at(20), u1],
      ['vote', at(30), u2],
      ['vote', at(70), u2],
    ];
    for (const [kind, when, userId] of rows) {
      await sql().query(
        `insert into analytics_events (event_id, kind, at, user_id, show_id) values ($1, $2, $3, $4, $5)`,
        [crypto.randomUUID(), kind, when, userId, showId],
      );
    }
    const to = new Date(hour.getTime() + 2 * 3_600_000);
    for (let run = 0; run < 2; run++) {
      await rollupHourly(db, hour, to);
      await rollupDaily(db, hour, to);
    }
    const hourly = (await sql().query(
      `select bucket, kind, events, users from analytics_rollup_hourly where show_id = $1 order by bucket, kind`,
      [showId],
    )) as { bucket: string; kind: string; events: number; users: number }[];
    expect(
      hourly.map((r) => ({ bucket: new Date(r.bucket).toISOString(), kind: r.kind, events: r.events, users: r.users })),
    ).toEqual([
      { bucket: hour.toISOString(), kind: 'show_view', events: 2, users: 0 },
      { bucket: hour.toISOString(), kind: 'vote', events: 3, users: 2 },
      { bucket: new Date(hour.getTime() + 3_600_000).toISOString(), kind: 'vote', events: 1, users: 1 },
    ]);
    const daily = (await sql().query(
      `select day::text as day, kind, events, users from analytics_rollup_daily where show_id = $1 order by day, kind`,
      [showId],
    )) as { day: string; kind: string; events: number; users: number }[];
    const days = [...new Set(rows.map(([, when]) => when.slice(0, 10)))];
    // The events span one or two UTC days depending on the hour the test runs at; the totals are exact either way.
    expect(daily.map((d) => d.day)).toEqual(expect.arrayContaining(days));
    expect(daily.filter((d) => d.kind === 'vote').reduce((n, d) => n + d.events, 0)).toBe(4);
    expect(daily.filter((d) => d.kind === 'show_view').reduce((n, d) => n + d.events, 0)).toBe(2);
  });
});

describe('GET /v1/admin/metrics', () => {
  it('reflects injected votes, request metrics, room reports and queue lag', async () => {
    const admin = await signUpAs('admin');
    const { show } = await createShow();
    const route = `GET /v1/metrics-test/${crypto.randomUUID()}`;
    const buckets = Array<number>(LATENCY_BUCKETS).fill(0);
    buckets[3] = 90; // ≤ 50 ms
    buckets[8] = 10; // ≤ 1,000 ms: the 95th percentile falls here
    const now = new Date();
    const votes = Array.from({ length: 120 }, () =>
      analyticsEvent('vote', new Date(now.getTime() - 30_000), {
        showId: show.id,
        userId: crypto.randomUUID(),
        data: { voteId: crypto.randomUUID() },
      }),
    );
    const figures: AnalyticsEvent[] = [
      analyticsEvent('request_metrics', now, {
        data: {
          rows: [
            {
              minute: new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString(),
              route,
              requests: 100,
              clientErrors: 3,
              serverErrors: 5,
              latencyBuckets: buckets,
              latencySumMs: 14_500,
            },
          ],
        },
      }),
      analyticsEvent('room_presence', now, { showId: show.id, data: { sockets: 7 } }),
    ];
    for (let i = 0; i < votes.length; i += 100)
      await env.ANALYTICS.sendBatch(votes.slice(i, i + 100).map((body) => ({ body, contentType: 'json' as const })));
    await env.ANALYTICS.sendBatch(figures.map((body) => ({ body, contentType: 'json' as const })));

    type Metrics = {
      votes: { perMinute: number; total: number };
      rooms: { active: number; sockets: number };
      topShows: { showId: string; votes: number; sockets: number }[];
      queues: { queue: string; messages: number; avgLagMs: number; maxLagMs: number }[];
      routes: {
        route: string;
        requests: number;
        errorRate: number;
        clientErrorRate: number;
        p95Ms: number | null;
        meanMs: number | null;
      }[];
    };
    const metrics = await eventually(async () => {
      const res = await call('/v1/admin/metrics?windowMinutes=5', {
        headers: { Authorization: `Bearer ${admin.token}` },
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as Metrics;
      const ours = body.topShows.find((s) => s.showId === show.id);
      return ours?.votes === 120 && body.routes.some((r) => r.route === route) && ours.sockets === 7 ? body : undefined;
    });
    expect(metrics.votes.total).toBeGreaterThanOrEqual(120);
    expect(metrics.votes.perMinute).toBeGreaterThanOrEqual(24);
    expect(metrics.rooms.active).toBeGreaterThanOrEqual(1);
    expect(metrics.rooms.sockets).toBeGreaterThanOrEqual(7);
    expect(metrics.routes.find((r) => r.route === route)).toEqual({
      route,
      requests: 100,
      errorRate: 0.05,
      clientErrorRate: 0.03,
      p95Ms: 1000,
      p95AboveHistogram: false,
      meanMs: 145,
    });
    const analyticsQueue = metrics.queues.find((q) => q.queue === 'mysetlist-analytics');
    expect(analyticsQueue?.messages).toBeGreaterThanOrEqual(votes.length + figures.length);
    expect(analyticsQueue!.maxLagMs).toBeGreaterThanOrEqual(0);
  });

  it('records real requests through the metrics middleware: one queue message per flush, per route pattern', async () => {
    const prefix = `/probe-${crypto.randomUUID().slice(0, 8)}`;
    const mini = new Hono<AppEnv>();
    const aggregator = new RequestMetrics(0);
    mini.use('*', requestMetrics(aggregator));
    mini.get(`${prefix}/:id`, (c) =>
      c.req.param('id') === 'boom' ? c.json({ error: 'x' }, 500) : c.json({ ok: true }),
    );
    // The first request finds the aggregator due (created at time 0) and flushes it; the next ones wait for the
    // interval, so they are flushed explicitly the way the next due request would.
    expect((await mini.request(`${prefix}/a`, {}, env, createExecutionContext())).status).toBe(200);
    await mini.request(`${prefix}/b`, {}, env, createExecutionContext());
    await mini.request(`${prefix}/boom`, {}, env, createExecutionContext());
    await mini.request(`${prefix}/x/y`, {}, env, createExecutionContext());
    const rest = aggregator.take();
    await env.ANALYTICS.send(analyticsEvent('request_metrics', new Date(), { data: { rows: rest } }), {
      contentType: 'json',
    });
    const rows = await eventually(async () => {
      const r = (await sql().query(
        `select route, requests, server_errors from request_metrics where route like $1 order by route`,
        [`GET ${prefix}%`],
      )) as { route: string; requests: number; server_errors: number }[];
      return r[0]?.requests === 3 ? r : undefined;
    });
    expect(rows).toEqual([{ route: `GET ${prefix}/:id`, requests: 3, server_errors: 1 }]);
    expect(rest.some((r) => r.route === 'unmatched')).toBe(true);
  });

  it('counts a live room from the socket count the room itself reports', async () => {
    const { show } = await createShow();
    const room = await joinRoom(show.id);
    const reported = await eventually(async () => {
      const rows = (await sql().query(`select sockets from room_presence where show_id = $1`, [show.id])) as {
        sockets: number;
      }[];
      return rows[0]?.sockets === 1 ? rows[0] : undefined;
    }, 15_000);
    expect(reported.sockets).toBe(1);
    room.close();
  });

  it('is for moderators and admins only, and rejects a bad window with a 400', async () => {
    const moderator = await signUpAs('moderator');
    expect((await call('/v1/admin/metrics', { headers: { Authorization: `Bearer ${moderator.token}` } })).status).toBe(
      200,
    );
    const bad = await call('/v1/admin/metrics?windowMinutes=0', {
      headers: { Authorization: `Bearer ${moderator.token}` },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
  });
});

describe('vote anomalies', () => {
  const FANS = 30;

  it('flags a brigade of new accounts from one network, not an organic surge of the same size; a discount lowers Postgres and the live room, and can be undone', async () => {
    const moderator = await signUpAs('moderator');
    const brigade = await createShow({ songs: 2 });
    const organic = await createShow({ songs: 2 });
    const brigadeFans = await fansCreated(FANS, 5);
    const organicFans = await fansCreated(FANS, 400 * 24 * 60);
    const brigadeSong = await addSong(brigade.show.id, brigade.songs[0]!.id, brigadeFans[0]!.token);
    const organicSong = await addSong(organic.show.id, organic.songs[0]!.id, organicFans[0]!.token);

    // A fan watching the brigaded room, connected before the votes: it must see the discount live.
    const watcher = await joinRoom(brigade.show.id);

    // 30 accounts a few minutes old, one /24, the same song, within seconds; 30 year-old accounts from 30 networks.
    const statuses = await Promise.all([
      ...brigadeFans.map((f, i) => vote(brigade.show.id, brigadeSong, f.token, `203.0.113.${i + 1}`)),
      ...organicFans.map((f, i) => vote(organic.show.id, organicSong, f.token, `198.51.${i}.7`)),
    ]);
    expect(statuses.every((s) => s === 201)).toBe(true);
    await eventually(
      async () =>
        (await voteRowsOf(brigade.show.id)) === FANS && (await voteRowsOf(organic.show.id)) === FANS ? true : undefined,
      20_000,
    );
    await eventually(async () => ((await voteCountOf(brigadeSong)) === FANS ? true : undefined));

    // The vote events carried the network id the api worker derived from CF-Connecting-IP.
    const expectedNetwork = await networkIdOf('203.0.113.99', env.NETWORK_ID_KEY);
    const networks = (await sql().query(
      `select distinct data->>'networkId' as n from analytics_events where kind = 'vote' and show_id = $1`,
      [brigade.show.id],
    )) as { n: string }[];
    expect(networks).toEqual([{ n: expectedNetwork }]);

    await detectAnomalies(db, new Date());
    await detectAnomalies(db, new Date()); // a second run updates the same flags
    const list = async (showId: string) => {
      const res = await call(`/v1/admin/anomalies?showId=${showId}`, {
        headers: { Authorization: `Bearer ${moderator.token}` },
      });
      expect(res.status).toBe(200);
      return (
        (await res.json()) as {
          items: {
            id: string;
            rule: string;
            status: string;
            votes: number;
            voteIds: string[];
            evidence: Record<string, unknown>;
          }[];
        }
      ).items;
    };
    expect(await list(organic.show.id)).toEqual([]);
    const flags = await list(brigade.show.id);
    expect(flags.map((f) => f.rule).sort()).toEqual(['new_account_burst', 'shared_network']);
    const burst = flags.find((f) => f.rule === 'new_account_burst')!;
    expect(burst).toMatchObject({ status: 'open', votes: FANS });
    expect(burst.evidence).toMatchObject({
      newAccountVotes: FANS,
      votesOnSong: FANS,
      networkIds: [expectedNetwork],
      setlistSongId: brigadeSong,
    });
    expect(
      (burst.evidence.accounts as { userId: string; ageMinutesAtVote: number }[]).map((a) => a.userId).sort(),
    ).toEqual(brigadeFans.map((f) => f.id).sort());
    expect(
      (burst.evidence.accounts as { ageMinutesAtVote: number }[]).every(
        (a) => a.ageMinutesAtVote >= 4 && a.ageMinutesAtVote <= 10,
      ),
    ).toBe(true);
    expect(flags.find((f) => f.rule === 'shared_network')!.evidence).toMatchObject({
      accountsOnNetwork: FANS,
      networkIds: [expectedNetwork],
    });

    // Discount: Postgres recounts to 0, the room broadcasts 0 to the connected socket; the votes stay.
    const discounted = await call(`/v1/admin/anomalies/${burst.id}/discount`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${moderator.token}` },
    });
    expect(discounted.status).toBe(200);
    expect(await discounted.json()).toMatchObject({
      id: burst.id,
      status: 'discounted',
      votes: FANS,
      counts: [{ setlistSongId: brigadeSong, votes: 0 }],
    });
    expect(await voteCountOf(brigadeSong)).toBe(0);
    const seen = await watcher.next<{ changes: { setlistSongId: string; votes: number }[] }>(
      (m) =>
        m.type === 'update' &&
        (m.changes as { setlistSongId: string; votes: number }[]).some(
          (c) => c.setlistSongId === brigadeSong && c.votes === 0,
        ),
    );
    expect(seen.changes.find((c) => c.setlistSongId === brigadeSong)!.votes).toBe(0);
    const kept = (await sql().query(`select count(*)::int as n from votes where setlist_song_id = $1 and active`, [
      brigadeSong,
    ])) as { n: number }[];
    expect(kept[0]!.n).toBe(FANS);
    const audit = (await sql().query(`select action, actor_id from audit_log where target_id = $1 order by at`, [
      burst.id,
    ])) as { action: string; actor_id: string }[];
    expect(audit).toEqual([{ action: 'vote_anomaly.discount', actor_id: moderator.user.id }]);

    // A later, genuine vote is counted on top of the discount, by the room and by the consumer's recount.
    expect(await vote(brigade.show.id, brigadeSong, organicFans[1]!.token, '192.0.2.1')).toBe(201);
    await eventually(async () => ((await voteCountOf(brigadeSong)) === 1 ? true : undefined));
    // The detector does not flag discounted votes again.
    await detectAnomalies(db, new Date());
    expect((await list(brigade.show.id)).find((f) => f.id === burst.id)!.status).toBe('discounted');

    // Undo: the votes count again, in Postgres and in the room.
    const restored = await call(`/v1/admin/anomalies/${burst.id}/discount`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${moderator.token}` },
    });
    expect(restored.status).toBe(200);
    expect(await restored.json()).toMatchObject({
      status: 'restored',
      votes: FANS,
      counts: [{ setlistSongId: brigadeSong, votes: FANS + 1 }],
    });
    expect(await voteCountOf(brigadeSong)).toBe(FANS + 1);
    await watcher.next(
      (m) =>
        m.type === 'update' &&
        (m.changes as { setlistSongId: string; votes: number }[]).some(
          (c) => c.setlistSongId === brigadeSong && c.votes === FANS + 1,
        ),
    );
    const audited = (await sql().query(`select action from audit_log where target_id = $1 order by at`, [
      burst.id,
    ])) as { action: string }[];
    expect(audited.map((a) => a.action)).toEqual(['vote_anomaly.discount', 'vote_anomaly.restore']);
    watcher.close();
  }, 120_000);

  it('flags a show whose vote rate jumps far above its forecast', async () => {
    const { show } = await createShow();
    await sql().query(
      `insert into show_forecasts (show_id, predicted_votes, predicted_votes_per_minute, model_version, features) values ($1, 100, 2, 'test', '{}')`,
      [show.id],
    );
    // 60 votes in the window where the forecast expects 2/min × 5 min = 10 (the floor): 6× expected.
    // Votes as the vote consumer records them, from a year-old account with no network id: only the rate rule applies.
    const fan = await fanCreated(400 * 24 * 60);
    const setlistSongId = crypto.randomUUID();
    const now = Date.now();
    for (let i = 0; i < 60; i++) {
      await sql().query(
        `insert into analytics_events (event_id, kind, at, user_id, show_id, data) values ($1, 'vote', $2, $3, $4, jsonb_build_object('voteId', gen_random_uuid(), 'setlistSongId', $5::text))`,
        [crypto.randomUUID(), new Date(now - 60_000 - i * 1000).toISOString(), fan.id, show.id, setlistSongId],
      );
    }
    await detectAnomalies(db, new Date(now));
    const rows = (await sql().query(`select rule, evidence from vote_anomalies where show_id = $1`, [show.id])) as {
      rule: string;
      evidence: { observed: number; expected: number; expectedSource: string };
    }[];
    expect(rows).toEqual([
      {
        rule: 'rate_spike',
        evidence: expect.objectContaining({ observed: 60, expected: 10, expectedSource: 'forecast' }),
      },
    ]);
  });

  it('answers an unknown anomaly with 404 and a malformed id with 400', async () => {
    const moderator = await signUpAs('moderator');
    const missing = await call(`/v1/admin/anomalies/${crypto.randomUUID()}/discount`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${moderator.token}` },
    });
    expect(missing.status).toBe(404);
    const bad = await call(`/v1/admin/anomalies/not-a-uuid/discount`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${moderator.token}` },
    });
    expect(bad.status).toBe(400);
  });
});
