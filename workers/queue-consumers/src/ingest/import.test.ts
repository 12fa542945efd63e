/**
 * The import steps end to end in process, against the real database (Postgres through the Neon driver) with
 * the providers' recorded responses injected as `fetch`. The same steps run in the queue consumer
 * (workers/api/test/imports.test.ts drives that path through the API and the queue).
 */
import { env } from 'cloudflare:workers';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '#shared/db/client';
import {
  actualSetlists,
  artists,
  imports,
  notificationEvents,
  playedSongs,
  shows,
  songs,
  venues,
} from '#shared/db/schema';
import { createLogger } from '#shared/log';
import type { ImportCreate, ImportProgress, ImportStep } from '#shared/schemas/ingest';
import {
  FIXTURE_ARTIST,
  fixtureConfig,
  fixtureFetch,
  inMemoryFixtureProviders,
} from '../../../../test/fixtures/providers/in-memory';
import { insertCompletedShow } from '../../../../test/support/database';
import { importActualSetlist } from './actual-setlist';
import { CockatielProviderBreaker } from './breaker';
import { providerClients } from './clients';
import type { IngestContext, IngestDb } from './context';
import { refreshSteps } from './cron';
import { ProviderPayloadError } from './http';
import { createImport } from './import-steps';
import { unlimited } from './rate-limit';
import { failureAction, runImportStep } from './run-step';
import { showsAwaitingSetlists } from './setlist-step';
import { clearSpotifyTokens } from './spotify';
import { zonedTimeToUtc } from './text';

let handle: DatabaseHandle;
let db: IngestDb;
const providers = inMemoryFixtureProviders();
const finals: string[] = [];
const hooks = { onActualSetlistFinal: async (showId: string) => void finals.push(showId) };

function context(): IngestContext {
  clearSpotifyTokens();
  const clients = providerClients(fixtureConfig(), {
    fetch: fixtureFetch(providers),
    limiter: unlimited,
    sleep: async () => {},
    overrides: { breakerFor: (p) => new CockatielProviderBreaker(p) },
  });
  return { db, log: createLogger({}, { level: 'error' }), ...clients };
}

/** Runs an import to the end the way the queue would: each step's follow-ups after it. */
async function importArtist(request: ImportCreate): Promise<{ id: string; progress: ImportProgress; status: string }> {
  const row = await createImport(db, request, null);
  const queue: ImportStep[] = [{ v: 1, step: 'artist', importId: row.id }];
  const ctx = context();
  while (queue.length) queue.push(...(await runImportStep(ctx, queue.shift()!, hooks)));
  const [done] = await db.select().from(imports).where(eq(imports.id, row.id));
  return { id: row.id, progress: done!.progress as ImportProgress, status: done!.status };
}

/** Everything an import writes for the fixture artist, with timestamps, to compare runs. */
async function snapshot() {
  const [artist] = await db.select().from(artists).where(eq(artists.spotifyId, FIXTURE_ARTIST.spotifyId));
  const artistSongs = await db.select().from(songs).where(eq(songs.artistId, artist!.id)).orderBy(asc(songs.title));
  const artistShows = await db
    .select()
    .from(shows)
    .where(inArray(shows.ticketmasterId, [...FIXTURE_ARTIST.showTicketmasterIds]))
    .orderBy(asc(shows.ticketmasterId));
  const showVenues = await db
    .select()
    .from(venues)
    .where(
      inArray(
        venues.id,
        artistShows.map((s) => s.venueId),
      ),
    )
    .orderBy(asc(venues.ticketmasterId));
  return JSON.parse(JSON.stringify({ artist, artistSongs, artistShows, showVenues })) as {
    artist: typeof artists.$inferSelect;
    artistSongs: (typeof songs.$inferSelect)[];
    artistShows: (typeof shows.$inferSelect)[];
    showVenues: (typeof venues.$inferSelect)[];
  };
}

beforeAll(() => {
  handle = openDatabase(env);
  db = handle.db.$primary;
});
afterAll(() => handle.close());

describe('artist import from recorded provider responses', () => {
  it('lands the artist, its songs (no live/remix versions, each recording once), venues and shows, once', async () => {
    const first = await importArtist({ artistName: FIXTURE_ARTIST.name });
    expect(first.status).toBe('done');
    expect(first.progress.artist).toMatchObject({
      spotifyId: FIXTURE_ARTIST.spotifyId,
      ticketmasterId: FIXTURE_ARTIST.ticketmasterId,
      musicbrainzId: FIXTURE_ARTIST.musicbrainzId,
    });
    expect(first.progress.catalog).toMatchObject({ done: true, pages: 2 });
    expect(first.progress.shows).toMatchObject({ done: true, pages: 2 });
    // The counters add up whether or not an earlier test file imported the artist already.
    expect(first.progress.catalog!.inserted + first.progress.catalog!.updated + first.progress.catalog!.unchanged).toBe(
      4,
    );
    expect(first.progress.shows!.inserted + first.progress.shows!.updated + first.progress.shows!.unchanged).toBe(3);

    const { artist, artistSongs, artistShows, showVenues } = await snapshot();
    expect(artist).toMatchObject({
      name: 'The Paper Lanterns',
      ticketmasterId: FIXTURE_ARTIST.ticketmasterId,
      musicbrainzId: FIXTURE_ARTIST.musicbrainzId,
      genres: ['indie folk', 'chamber pop'],
      popularity: 61,
    });
    expect(artistSongs.map((s) => s.title)).toEqual([...FIXTURE_ARTIST.songs]);
    expect(artistSongs.find((s) => s.title === 'Lighthouse')).toMatchObject({
      isrc: 'GBXYZ2400002',
      album: 'Night Harbour',
      spotifyId: '5tRk0000Lighthouse0001',
    });
    expect(artistShows.map((s) => [s.ticketmasterId, s.startsAt, s.status])).toEqual([
      ['Z698xZPL001', '2026-12-05T20:00:00.000Z', 'upcoming'],
      // No dateTime from Ticketmaster: 19:30 local time in Berlin (UTC+1 in December).
      ['Z698xZPL002', '2026-12-09T18:30:00.000Z', 'upcoming'],
      ['Z698xZPL003', '2027-01-15T20:00:00.000Z', 'cancelled'],
    ]);
    expect(showVenues.map((v) => [v.ticketmasterId, v.name, v.city, v.country, v.timeZone, v.latitude])).toEqual([
      ['KovZ9177Brix', 'O2 Academy Brixton', 'London', 'GB', 'Europe/London', 51.46502],
      ['KovZ9177Colu', 'Columbiahalle', 'Berlin', 'DE', 'Europe/Berlin', 52.48417],
    ]);
  });

  it('changes nothing when run again over current data', async () => {
    const before = await snapshot();
    const again = await importArtist({ spotifyId: FIXTURE_ARTIST.spotifyId });
    expect(again.status).toBe('done');
    expect(again.progress.artist!.created).toBe(false);
    expect(again.progress.catalog).toMatchObject({ inserted: 0, updated: 0, unchanged: 4 });
    expect(again.progress.shows).toMatchObject({ inserted: 0, updated: 0, unchanged: 3, venuesInserted: 0 });
    expect(await snapshot()).toEqual(before); // same rows, same ids, same updated_at
  });

  it('skips a redelivered step but still passes the chain on', async () => {
    const { id } = await importArtist({ spotifyId: FIXTURE_ARTIST.spotifyId });
    const [before] = await db.select().from(imports).where(eq(imports.id, id));
    const next = await runImportStep(context(), { v: 1, step: 'catalog', importId: id, offset: 0 }, hooks);
    expect(next).toEqual([]); // the page after it is done too
    const [after] = await db.select().from(imports).where(eq(imports.id, id));
    expect(after!.progress).toEqual(before!.progress);
  });

  it('rejects a malformed payload with nothing half-written', async () => {
    const before = await snapshot();
    const page = structuredClone(providers.files['ticketmaster/events-page-0.json']) as {
      _embedded: { events: Record<string, unknown>[] };
    };
    // The first event is fine and changed (a reschedule); the second has no venue: the page is refused whole.
    (page._embedded.events[0]!.dates as { start: { dateTime: string } }).start.dateTime = '2026-12-06T20:00:00Z';
    delete (page._embedded.events[1] as { _embedded?: unknown })._embedded;
    providers.overrides.push({
      path: '/ticketmaster/discovery/v2/events.json',
      query: { page: '0' },
      responses: [{ status: 200, body: page }],
    });
    const row = await createImport(db, { spotifyId: FIXTURE_ARTIST.spotifyId }, null);
    const ctx = context();
    await runImportStep(ctx, { v: 1, step: 'artist', importId: row.id }, hooks);
    const err = await runImportStep(ctx, { v: 1, step: 'shows', importId: row.id, page: 0 }, hooks).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProviderPayloadError);
    expect(failureAction(err)).toEqual({ kind: 'fail' });
    expect(await snapshot()).toEqual(before);
    const [stored] = await db.select().from(imports).where(eq(imports.id, row.id));
    expect((stored!.progress as ImportProgress).shows).toBeUndefined();
  });

  it("keeps an admin's change to a song, and never adds a song an admin removed again", async () => {
    const { artist } = await snapshot();
    const titled = (title: string) => and(eq(songs.artistId, artist.id), eq(songs.title, title));
    const [edited] = await db
      .update(songs)
      .set({ title: 'Paper Boats (Admin)', editedAt: new Date() })
      .where(titled('Paper Boats'))
      .returning();
    const [removed] = await db.update(songs).set({ removedAt: new Date() }).where(titled('Night Harbour')).returning();
    try {
      const again = await importArtist({ spotifyId: FIXTURE_ARTIST.spotifyId });
      expect(again.progress.catalog).toMatchObject({ inserted: 0, updated: 0, unchanged: 4 });
      const after = await db.select().from(songs).where(eq(songs.artistId, artist.id)).orderBy(asc(songs.title));
      expect(after.find((s) => s.id === edited!.id)).toEqual(edited);
      expect(after.find((s) => s.id === removed!.id)).toEqual(removed);
      expect(after).toHaveLength(4);
    } finally {
      await db.update(songs).set({ title: 'Paper Boats', editedAt: null }).where(eq(songs.id, edited!.id));
      await db.update(songs).set({ removedAt: null }).where(eq(songs.id, removed!.id));
    }
  });

  it("records a new upcoming show's announcement with the show, sends it after the commit, and never again", async () => {
    const page = structuredClone(providers.files['ticketmaster/events-page-1.json']) as {
      _embedded: { events: { id: string; dates: { start: Record<string, string>; status: { code: string } } }[] };
      page: { totalPages: number; number: number };
    };
    const template = page._embedded.events[0]!;
    const startsAt = new Date(Date.now() + 40 * 86_400_000);
    const tag = crypto.randomUUID().slice(0, 8).toUpperCase();
    const upcoming = structuredClone(template);
    upcoming.id = `Z698x${tag}U`;
    upcoming.dates.start = { localDate: startsAt.toISOString().slice(0, 10), dateTime: startsAt.toISOString() };
    upcoming.dates.status = { code: 'onsale' };
    const cancelled = { ...structuredClone(upcoming), id: `Z698x${tag}C` };
    cancelled.dates.status = { code: 'cancelled' };
    page._embedded.events = [upcoming, cancelled];
    page.page = { ...page.page, totalPages: 1, number: 0 };
    const script = () =>
      providers.overrides.push({
        path: '/ticketmaster/discovery/v2/events.json',
        query: { page: '0' },
        responses: [{ status: 200, body: page }],
      });
    const announced: string[][] = [];
    const run = async () => {
      const row = await createImport(db, { spotifyId: FIXTURE_ARTIST.spotifyId }, null);
      const ctx = { ...context(), announceShows: async (ids: string[]) => void announced.push(ids) };
      await runImportStep(ctx, { v: 1, step: 'artist', importId: row.id }, hooks);
      const step: ImportStep = { v: 1, step: 'shows', importId: row.id, page: 0 };
      expect(await runImportStep(ctx, step, hooks)).toEqual([]);
      return () => runImportStep(ctx, step, hooks); // its redelivery
    };
    const pending = async (showIds: string[]) =>
      db
        .select({ subject: notificationEvents.subject, enqueuedAt: notificationEvents.enqueuedAt })
        .from(notificationEvents)
        .where(
          and(
            eq(notificationEvents.kind, 'show_announced'),
            inArray(sql`${notificationEvents.subject}->>'showId'`, showIds),
          ),
        );

    script();
    const redeliver = await run();
    const [show] = await db.select().from(shows).where(eq(shows.ticketmasterId, upcoming.id));
    const [dropped] = await db.select().from(shows).where(eq(shows.ticketmasterId, cancelled.id));
    expect(dropped!.status).toBe('cancelled');
    expect(announced).toEqual([[show!.id]]);
    // Recorded unsent (this hook sends nothing): the notifications cron's outbox sweep sends such a trigger.
    expect(await pending([show!.id, dropped!.id])).toEqual([
      { subject: { kind: 'show_announced', showId: show!.id }, enqueuedAt: null },
    ]);
    await redeliver();
    script();
    await run(); // a re-import: the show is known
    expect(announced).toEqual([[show!.id]]);
    expect(await pending([show!.id, dropped!.id])).toHaveLength(1);
  });
});

describe('the daily refresh', () => {
  it('re-imports the artists with a Spotify id, longest unimported first', async () => {
    const steps = await refreshSteps(db, 50);
    const requests = await db
      .select()
      .from(imports)
      .where(
        inArray(
          imports.id,
          steps.map((s) => ('importId' in s ? s.importId : '')),
        ),
      );
    expect(steps.every((s) => s.step === 'artist')).toBe(true);
    expect(requests.map((r) => r.request)).toContainEqual({ spotifyId: FIXTURE_ARTIST.spotifyId });
    expect(requests.every((r) => r.status === 'queued' && r.requestedBy === null)).toBe(true);
  });
});

describe('actual setlists from setlist.fm', () => {
  let showId: string;

  beforeAll(async () => {
    const { artist, showVenues } = await snapshot();
    const brixton = showVenues.find((v) => v.ticketmasterId === 'KovZ9177Brix')!;
    const startsAt = zonedTimeToUtc('2026-11-20', '20:00', 'Europe/London');
    const show = await insertCompletedShow({
      slug: `paper-lanterns-brixton-${crypto.randomUUID().slice(0, 8)}`,
      artistId: artist.id,
      venueId: brixton.id,
      startsAt,
    });
    showId = show.id;
    // Test files share the database: another file's show may have claimed this setlist.fm setlist already.
    await db.update(shows).set({ setlistfmId: null }).where(eq(shows.setlistfmId, '3bd6a4c8'));
  });

  it('finds the show among recently finished shows without a final setlist', async () => {
    expect(await showsAwaitingSetlists(db, new Date('2026-11-21T12:00:00Z'), 500)).toContain(showId);
    // Not before it has ended, and not a month later.
    expect(await showsAwaitingSetlists(db, new Date('2026-11-20T21:00:00Z'), 500)).not.toContain(showId);
    expect(await showsAwaitingSetlists(db, new Date('2026-12-20T12:00:00Z'), 500)).not.toContain(showId);
  });

  it('writes the matched setlist in play order, songs matched to the catalogue, and reports it final once', async () => {
    finals.length = 0;
    await runImportStep(context(), { v: 1, step: 'setlist', showId }, hooks);
    const played = await db
      .select()
      .from(playedSongs)
      .where(eq(playedSongs.showId, showId))
      .orderBy(asc(playedSongs.position));
    const catalogue = new Map(
      (
        await db
          .select()
          .from(songs)
          .where(
            inArray(
              songs.id,
              played.flatMap((p) => (p.songId ? [p.songId] : [])),
            ),
          )
      ).map((s) => [s.id, s.title]),
    );
    expect(played.map((p) => [p.position, p.title, p.songId ? catalogue.get(p.songId) : null, p.source])).toEqual([
      [1, 'Night Harbour', 'Night Harbour', 'setlistfm'],
      [2, 'Lighthouse', 'Lighthouse', 'setlistfm'],
      [3, 'Heroes', null, 'setlistfm'], // a cover: not in the catalogue, kept by title
      [4, 'Paper Boats', 'Paper Boats', 'setlistfm'],
      [5, 'Tidewater', 'Tidewater (feat. Mara Lune)', 'setlistfm'],
      [6, 'Lighthouse', null, 'setlistfm'], // the reprise: the song is counted once
    ]);
    const [state] = await db.select().from(actualSetlists).where(eq(actualSetlists.showId, showId));
    expect(state).toMatchObject({ state: 'final', source: 'setlistfm', setlistfmVersion: '7be1aa5c' });
    const [show] = await db.select().from(shows).where(eq(shows.id, showId));
    expect(show!.setlistfmId).toBe('3bd6a4c8');
    expect(finals).toEqual([showId]);
    expect(await showsAwaitingSetlists(db, new Date('2026-11-21T12:00:00Z'), 500)).not.toContain(showId);
  });

  it('does nothing when the same version is found again', async () => {
    finals.length = 0;
    const [before] = await db.select().from(actualSetlists).where(eq(actualSetlists.showId, showId));
    await runImportStep(context(), { v: 1, step: 'setlist', showId }, hooks);
    const [after] = await db.select().from(actualSetlists).where(eq(actualSetlists.showId, showId));
    expect(after).toEqual(before);
    expect(finals).toEqual([]);
  });

  it('replaces the setlist when setlist.fm has a new version', async () => {
    finals.length = 0;
    const body = structuredClone(providers.files['setlistfm/setlists-20-11-2026.json']) as {
      setlist: { id: string; versionId: string; sets: { set: { song: { name: string }[] }[] } }[];
    };
    const right = body.setlist.find((s) => s.id === '3bd6a4c8')!;
    right.versionId = '7be1aa5d';
    right.sets.set[1]!.song.push({ name: 'Paper Boats' });
    providers.overrides.push({
      path: '/setlistfm/rest/1.0/search/setlists',
      query: { date: '20-11-2026' },
      responses: [{ status: 200, body }],
    });
    await runImportStep(context(), { v: 1, step: 'setlist', showId }, hooks);
    const played = await db
      .select()
      .from(playedSongs)
      .where(and(eq(playedSongs.showId, showId)));
    expect(played).toHaveLength(7);
    const [state] = await db.select().from(actualSetlists).where(eq(actualSetlists.showId, showId));
    expect(state!.setlistfmVersion).toBe('7be1aa5d');
    expect(finals).toEqual([showId]);
  });

  it('calls the hook again when a retried delivery finds the version it failed to report', async () => {
    finals.length = 0;
    const body = structuredClone(providers.files['setlistfm/setlists-20-11-2026.json']) as {
      setlist: { id: string; versionId: string }[];
    };
    body.setlist.find((s) => s.id === '3bd6a4c8')!.versionId = '7be1aa5e';
    providers.overrides.push({
      path: '/setlistfm/rest/1.0/search/setlists',
      query: { date: '20-11-2026' },
      responses: [
        { status: 200, body },
        { status: 200, body },
        { status: 200, body },
      ],
    });
    const failing = { onActualSetlistFinal: async () => Promise.reject(new Error('scoring unavailable')) };
    await expect(importActualSetlist(context(), showId, failing)).rejects.toThrow('scoring unavailable');
    // The queue redelivers: the setlist is current now, and the hook is called for it.
    expect(await importActualSetlist(context(), showId, hooks, { retried: true })).toMatchObject({
      kind: 'current',
      versionId: '7be1aa5e',
    });
    expect(finals).toEqual([showId]);
    // A plain re-run (first delivery of another message) does not call it again.
    expect(await importActualSetlist(context(), showId, hooks)).toMatchObject({ kind: 'current' });
    expect(finals).toEqual([showId]);
  });

  it('never overwrites a setlist a moderator finalised', async () => {
    const { artist, showVenues } = await snapshot();
    const startsAt = zonedTimeToUtc('2026-11-20', '20:00', 'Europe/London');
    const [show] = await db
      .insert(shows)
      .values({
        slug: `moderated-${crypto.randomUUID().slice(0, 8)}`,
        artistId: artist.id,
        venueId: showVenues.find((v) => v.ticketmasterId === 'KovZ9177Brix')!.id,
        startsAt,
        status: 'completed',
        votingOpensAt: startsAt,
        votingClosesAt: startsAt,
      })
      .returning();
    await db.insert(playedSongs).values({ showId: show!.id, position: 1, title: 'Paper Boats', source: 'moderator' });
    await db
      .insert(actualSetlists)
      .values({ showId: show!.id, state: 'final', source: 'moderator', finalizedAt: new Date() });
    expect(await runImportStep(context(), { v: 1, step: 'setlist', showId: show!.id }, hooks)).toEqual([]);
    const played = await db.select().from(playedSongs).where(eq(playedSongs.showId, show!.id));
    expect(played.map((p) => [p.title, p.source])).toEqual([['Paper Boats', 'moderator']]);
  });
});
