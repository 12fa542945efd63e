/**
 * Artist imports through the real path: POST /v1/admin/imports → the imports queue → the queue-consumers
 * worker's consumer, whose provider clients call the fixture server (test/fixtures/providers) standing in
 * for Spotify, Ticketmaster and setlist.fm, spaced by the ProviderRateLimiter Durable Objects (the spacing itself
 * is checked in workers/queue-consumers/test/provider-spacing.test.ts).
 */
import { env } from 'cloudflare:workers';
import { asc, eq, inArray } from 'drizzle-orm';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import * as schema from '#shared/db/schema';
import type { ImportRecord, ImportStep } from '#shared/schemas/ingest';
import { fixtureControl } from '../../../test/fixtures/providers/control';
import { FIXTURE_ARTIST } from '../../../test/fixtures/providers/in-memory';
import { insertCompletedShow } from '../../../test/support/database';
import { deliveriesOf, eventIdOf, providerRequests } from './notification-support';
import { api, connectRoom, errorOf, eventually, signUp, signUpAs, sql, testDb } from './support';

const { reset, script, calls } = fixtureControl(inject('providerFixturesUrl'));

let admin: { token: string };

async function startImport(body: unknown): Promise<ImportRecord> {
  const res = await api('/v1/admin/imports', { method: 'POST', token: admin.token, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(202);
  const record = (await res.json()) as ImportRecord;
  expect(res.headers.get('Location')).toBe(`/v1/admin/imports/${record.id}`);
  return record;
}

async function finished(id: string): Promise<ImportRecord> {
  return eventually(
    async () => {
      const res = await api(`/v1/admin/imports/${id}`, { token: admin.token });
      const record = (await res.json()) as ImportRecord;
      return record.status === 'done' || record.status === 'failed' ? record : undefined;
    },
    30_000,
    200,
  );
}

async function snapshot() {
  const db = testDb();
  const [artist] = await db.select().from(schema.artists).where(eq(schema.artists.spotifyId, FIXTURE_ARTIST.spotifyId));
  const songs = await db
    .select()
    .from(schema.songs)
    .where(eq(schema.songs.artistId, artist!.id))
    .orderBy(asc(schema.songs.title));
  const shows = await db
    .select()
    .from(schema.shows)
    .where(inArray(schema.shows.ticketmasterId, [...FIXTURE_ARTIST.showTicketmasterIds]))
    .orderBy(asc(schema.shows.ticketmasterId));
  const venues = await db
    .select()
    .from(schema.venues)
    .where(
      inArray(
        schema.venues.id,
        shows.map((s) => s.venueId),
      ),
    )
    .orderBy(asc(schema.venues.id));
  return JSON.parse(JSON.stringify({ artist, songs, shows, venues })) as {
    artist: schema.Artist;
    songs: schema.Song[];
    shows: schema.Show[];
    venues: schema.Venue[];
  };
}

beforeAll(async () => {
  admin = await signUpAs('admin');
  await reset();
});

describe('POST /v1/admin/imports', () => {
  it('imports an artist end to end through the queue, and a second run changes nothing', async () => {
    const started = await startImport({ artistName: FIXTURE_ARTIST.name });
    expect(started.status).toBe('queued');
    const first = await finished(started.id);
    expect(first.status, JSON.stringify(first)).toBe('done');
    expect(first.error).toBeNull();
    expect(first.progress.catalog).toMatchObject({ done: true, pages: 2 });
    expect(first.progress.shows).toMatchObject({ done: true, pages: 2 });
    const landed = await snapshot();
    expect(landed.songs.map((s) => s.title)).toEqual([...FIXTURE_ARTIST.songs]);
    expect(landed.shows).toHaveLength(3);
    expect(landed.venues).toHaveLength(2);
    expect(first.artistId).toBe(landed.artist.id);

    const again = await finished((await startImport({ spotifyId: FIXTURE_ARTIST.spotifyId })).id);
    expect(again.status).toBe('done');
    expect(again.progress.catalog).toMatchObject({ inserted: 0, updated: 0, unchanged: 4 });
    expect(again.progress.shows).toMatchObject({ inserted: 0, updated: 0, unchanged: 3, venuesInserted: 0 });
    expect(await snapshot()).toEqual(landed);
  });

  it('honours a 429 Retry-After from the provider and still completes', async () => {
    await reset();
    const albums = `/spotify/v1/artists/${FIXTURE_ARTIST.spotifyId}/albums`;
    await script([
      {
        path: albums,
        query: { offset: '0' },
        responses: [
          {
            status: 429,
            headers: { 'Retry-After': '1' },
            body: { error: { status: 429, message: 'API rate limit exceeded' } },
          },
        ],
      },
    ]);
    const record = await finished((await startImport({ spotifyId: FIXTURE_ARTIST.spotifyId })).id);
    expect(record.status).toBe('done');
    const tries = (await calls()).filter((c) => c.path === albums && c.query.offset === '0');
    expect(tries.map((c) => c.status)).toEqual([429, 200]);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(1000);
  });

  it('fails the import on a malformed payload, with nothing of that step written', async () => {
    const before = await snapshot();
    await reset();
    // Ticketmaster's events without the page object, and a venue with no time zone.
    const event = {
      id: 'Z698xZPL001',
      name: 'x',
      dates: { start: { localDate: '2026-12-06' } },
      _embedded: { venues: [{ id: 'KovZ9177Brix', name: 'O2 Academy Brixton' }] },
    };
    await script([
      {
        path: '/ticketmaster/discovery/v2/events.json',
        responses: [{ status: 200, body: { _embedded: { events: [event] } } }],
      },
    ]);
    const record = await finished((await startImport({ spotifyId: FIXTURE_ARTIST.spotifyId })).id);
    expect(record.status).toBe('failed');
    expect(record.error).toMatch(/ticketmaster sent a malformed payload/);
    expect(record.progress.shows).toBeUndefined();
    expect(await snapshot()).toEqual(before);
  });

  it('is for admins: fans get 403, and a bad body gets a 400', async () => {
    const fan = await signUp();
    expect(
      (await api('/v1/admin/imports', { method: 'POST', token: fan.token, body: JSON.stringify({ artistName: 'x' }) }))
        .status,
    ).toBe(403);
    const bad = await api('/v1/admin/imports', {
      method: 'POST',
      token: admin.token,
      body: JSON.stringify({ artistName: '' }),
    });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).code).toBe('validation_failed');
    expect((await api(`/v1/admin/imports/${crypto.randomUUID()}`, { token: admin.token })).status).toBe(404);
  });
});

/** A finished show of the imported artist at Brixton (its Ticketmaster venue), with no actual setlist yet. */
async function pastShowAtBrixton(slugPrefix: string, startsAt: Date) {
  const { artist, venues } = await snapshot();
  const brixton = venues.find((v) => v.ticketmasterId === 'KovZ9177Brix')!;
  return insertCompletedShow({
    slug: `${slugPrefix}-${crypto.randomUUID().slice(0, 8)}`,
    artistId: artist.id,
    venueId: brixton.id,
    startsAt,
  });
}

describe('the setlist step on the imports queue', () => {
  it('writes the show’s actual setlist from setlist.fm once, and a re-run is a no-op', async () => {
    await reset();
    const db = testDb();
    // 20:00 in London (GMT in November)
    const show = await pastShowAtBrixton('queue-setlist', new Date('2026-11-20T20:00:00Z'));
    const step: ImportStep = { v: 1, step: 'setlist', showId: show.id };
    await env.IMPORTS.send(step);
    const state = await eventually(
      async () => (await db.select().from(schema.actualSetlists).where(eq(schema.actualSetlists.showId, show.id)))[0],
      15_000,
      100,
    );
    expect(state).toMatchObject({ state: 'final', source: 'setlistfm', setlistfmVersion: '7be1aa5c' });
    const played = await db
      .select()
      .from(schema.playedSongs)
      .where(eq(schema.playedSongs.showId, show.id))
      .orderBy(asc(schema.playedSongs.position));
    expect(played.map((p) => p.title)).toEqual(FIXTURE_ARTIST.brixtonPlayed);
    // Final from setlist.fm: the show is finalised as if a moderator had done it — scored, and the room knows.
    const accuracy = await eventually(
      async () => (await db.select().from(schema.showAccuracy).where(eq(schema.showAccuracy.showId, show.id)))[0],
      15_000,
      100,
    );
    const [finalised] = await db
      .select({ status: schema.shows.status })
      .from(schema.shows)
      .where(eq(schema.shows.id, show.id));
    expect(finalised!.status).toBe('completed');
    const watcher = await connectRoom(show.id);
    expect(await watcher.next((m) => m.type === 'snapshot')).toMatchObject({
      status: 'completed',
      result: { topN: accuracy.topN, score: accuracy.score },
    });
    watcher.close();
    // Finalising bumped the setlist's revision: a re-run must leave this state exactly as it is.
    const [final] = await db.select().from(schema.actualSetlists).where(eq(schema.actualSetlists.showId, show.id));

    await env.IMPORTS.send(step);
    await eventually(
      async () => ((await calls()).filter((c) => c.path.endsWith('/search/setlists')).length >= 2 ? true : undefined),
      15_000,
      100,
    );
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the consumer finish the step it searched for
    const [after] = await db.select().from(schema.actualSetlists).where(eq(schema.actualSetlists.showId, show.id));
    expect(after).toEqual(final);
  });

  it('one bad step in a batch never takes the good one down', async () => {
    await reset();
    const db = testDb();
    const show = await pastShowAtBrixton('isolated-setlist', new Date('2026-11-21T20:00:00Z'));
    const good: ImportStep = { v: 1, step: 'setlist', showId: show.id };
    const bad: unknown[] = [
      { v: 1, step: 'no-such-step' }, // refused by the schema
      { v: 1, step: 'setlist', showId: 'not-a-uuid\u0000' }, // a NUL where Postgres wants a uuid
      { v: 1, step: 'artist', importId: crypto.randomUUID() }, // no such import: fails for good
    ];
    // One batch (max_batch_size 4): the good step between the bad ones.
    await env.IMPORTS.sendBatch([bad[0], bad[1], good, bad[2]].map((body) => ({ body })));
    const state = await eventually(
      async () => (await db.select().from(schema.actualSetlists).where(eq(schema.actualSetlists.showId, show.id)))[0],
      15_000,
      100,
    );
    expect(state).toMatchObject({ state: 'final', source: 'setlistfm' });
    const played = await db.select().from(schema.playedSongs).where(eq(schema.playedSongs.showId, show.id));
    expect(played.length).toBeGreaterThan(0);
  });
});

describe('new shows from Ticketmaster are announced to the artist’s followers', () => {
  const DAY = 86_400_000;
  const brixton = {
    id: 'KovZ9177Brix',
    name: 'O2 Academy Brixton',
    timezone: 'Europe/London',
    city: { name: 'London' },
    country: { countryCode: 'GB' },
    location: { latitude: '51.46502', longitude: '-0.11488' },
  };
  /** A Ticketmaster event of the fixture artist at Brixton, in Discovery v2's shape. */
  const event = (id: string, startsAt: Date, status = 'onsale') => ({
    id,
    name: `${FIXTURE_ARTIST.name} - Encore Tour`,
    dates: {
      start: { localDate: startsAt.toISOString().slice(0, 10), dateTime: startsAt.toISOString() },
      timezone: 'Europe/London',
      status: { code: status },
    },
    _embedded: { venues: [brixton], attractions: [{ id: FIXTURE_ARTIST.ticketmasterId }] },
  });
  /** The artist's events as one page: the next import's shows step reads exactly these. */
  const eventsPage = (events: ReturnType<typeof event>[]) =>
    script([
      {
        path: '/ticketmaster/discovery/v2/events.json',
        responses: [
          {
            status: 200,
            body: { _embedded: { events }, page: { size: 50, totalElements: events.length, totalPages: 1, number: 0 } },
          },
        ],
      },
    ]);
  const announcementsOf = async (showIds: string[]) =>
    (await sql().query(
      `select subject->>'showId' as show_id, enqueued_at is not null as sent from notification_events
       where kind = 'show_announced' and subject->>'showId' = any($1::text[])`,
      [showIds],
    )) as { show_id: string; sent: boolean }[];
  const inboxOf = async (userId: string, showIds: string[]) =>
    (await sql().query(
      `select n.event_id from notifications n join notification_events e on e.id = n.event_id
       where n.user_id = $1 and e.kind = 'show_announced' and e.subject->>'showId' = any($2::text[])`,
      [userId, showIds],
    )) as { event_id: string }[];
  const showOf = async (ticketmasterId: string) =>
    (await testDb().select().from(schema.shows).where(eq(schema.shows.ticketmasterId, ticketmasterId)))[0]!;

  it('notifies each follower once through the notifications queue; a re-import or an update notifies no one again', async () => {
    await reset();
    // The artist, imported (an earlier test may have done it already: then this changes nothing).
    let [artist] = await testDb()
      .select()
      .from(schema.artists)
      .where(eq(schema.artists.spotifyId, FIXTURE_ARTIST.spotifyId));
    if (!artist) {
      expect((await finished((await startImport({ spotifyId: FIXTURE_ARTIST.spotifyId })).id)).status).toBe('done');
      [artist] = await testDb()
        .select()
        .from(schema.artists)
        .where(eq(schema.artists.spotifyId, FIXTURE_ARTIST.spotifyId));
    }
    const [follower, stranger] = await Promise.all([signUp(), signUp()]);
    expect((await api(`/v1/me/follows/${artist!.id}`, { method: 'PUT', token: follower.token })).status).toBe(204);

    const tag = crypto.randomUUID().slice(0, 8).toUpperCase();
    const upcoming = event(`Z698xNEW${tag}`, new Date(Date.now() + 20 * DAY));
    const cancelled = event(`Z698xCXL${tag}`, new Date(Date.now() + 25 * DAY), 'cancelled');
    await eventsPage([upcoming, cancelled]);
    const first = await finished((await startImport({ spotifyId: FIXTURE_ARTIST.spotifyId })).id);
    expect(first.status, JSON.stringify(first)).toBe('done');
    expect(first.progress.shows).toMatchObject({ inserted: 2, updated: 0 });
    const [show, dropped] = [await showOf(upcoming.id), await showOf(cancelled.id)];
    expect(dropped.status).toBe('cancelled');

    // The follower's inbox gets it from the notifications consumer, as for a show an admin creates.
    const eventId = await eventIdOf(`show_announced:${show.id}`);
    await eventually(async () => ((await inboxOf(follower.user.id, [show.id])).length ? true : undefined), 20_000, 100);
    const rows = await eventually(async () => {
      const list = await deliveriesOf(eventId);
      return list.length === 2 && list.every((r) => r.status === 'sent') ? list : undefined;
    }, 20_000);
    expect(rows.map((r) => [r.user_id, r.channel])).toEqual([
      [follower.user.id, 'email'],
      [follower.user.id, 'in_app'],
    ]);
    const [mail] = await providerRequests('email', follower.user.email);
    expect((JSON.parse(mail!.body) as { subject: string }).subject).toContain(FIXTURE_ARTIST.name);
    expect(await inboxOf(stranger.user.id, [show.id])).toEqual([]);
    // A cancelled show is not announced.
    expect(await announcementsOf([show.id, dropped.id])).toEqual([{ show_id: show.id, sent: true }]);

    // Imported again: unchanged. Then rescheduled: updated. Neither announces anything.
    await reset();
    await eventsPage([upcoming, cancelled]);
    const again = await finished((await startImport({ spotifyId: FIXTURE_ARTIST.spotifyId })).id);
    expect(again.progress.shows).toMatchObject({ inserted: 0, updated: 0, unchanged: 2 });
    await eventsPage([event(upcoming.id, new Date(Date.now() + 21 * DAY)), cancelled]);
    const moved = await finished((await startImport({ spotifyId: FIXTURE_ARTIST.spotifyId })).id);
    expect(moved.progress.shows).toMatchObject({ inserted: 0, updated: 1 });
    await new Promise((resolve) => setTimeout(resolve, 500)); // a fan-out, had one been sent, would be consumed by now
    expect(await announcementsOf([show.id, dropped.id])).toEqual([{ show_id: show.id, sent: true }]);
    expect(await inboxOf(follower.user.id, [show.id, dropped.id])).toEqual([{ event_id: eventId }]);
    expect(await deliveriesOf(eventId)).toHaveLength(2);
  });
});
