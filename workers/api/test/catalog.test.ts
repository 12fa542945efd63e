/**
 * The content API: artists, shows, venues, song search, follows and the feed, and the catalogue admin writes.
 *
 * Requests go to the app in-process with the worker's real bindings (rooms, Postgres), like the authorization
 * matrix: the test pool's loopback fetch slows down with every request. Fixtures are written straight to
 * Postgres, each tagged so that rows of other test files never change what these tests see. Anonymous GETs
 * are cached for a second by URL (response cache), so a read after a write uses a new URL or a token.
 */

import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '#shared/db/client';
import * as schema from '#shared/db/schema';
import { createApp } from '../src/app';
import { refreshArtistSimilarity } from '../src/recommend/similarity';
import { testDb, uniqueEmail } from './support';

/** The hourly cron's job, run now (it recomputes every artist of the shared test database). */
async function refreshSimilarity() {
  const { db, close } = openDatabase(env);
  try {
    await refreshArtistSimilarity(db.$primary);
  } finally {
    await close();
  }
}

const app = createApp();
const DAY = 86_400_000;

async function call(path: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<Response> {
  const headers = new Headers();
  if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
  if (init.body !== undefined) headers.set('Content-Type', 'application/json');
  return app.request(
    path,
    { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) },
    env,
    createExecutionContext(),
  );
}

async function ok<T>(res: Response | Promise<Response>, status = 200): Promise<T> {
  const r = await res;
  const text = await r.text();
  expect(r.status, text).toBe(status);
  return JSON.parse(text) as T;
}

async function errorOf(res: Response | Promise<Response>) {
  return ((await (await res).json()) as { error: { code: string; message: string; details?: unknown } }).error;
}

async function account(role: 'fan' | 'moderator' | 'admin' = 'fan') {
  const res = await call('/v1/auth/signup', {
    method: 'POST',
    body: { email: uniqueEmail('catalog'), password: 'catalog password 123' },
  });
  const { user, token } = await ok<{ user: { id: string }; token: string }>(res, 201);
  if (role !== 'fan') await testDb().update(schema.users).set({ role }).where(eq(schema.users.id, user.id));
  return { id: user.id, token };
}

const tagOf = () => crypto.randomUUID().slice(0, 8);

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
type ArtistItem = {
  id: string;
  slug: string;
  name: string;
  popularity: number;
  trendingScore: number;
  genres: string[];
};
type ShowItem = {
  id: string;
  slug: string;
  startsAt: string;
  status: string;
  artist: { id: string };
  venue: { id: string; city: string; country: string };
};
type SongItem = { id: string; title: string; album: string | null };

/** Every page of a list, following nextCursor. */
async function allPages<T>(path: string, token?: string): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: Page<T> = await ok<Page<T>>(
      call(`${path}${cursor ? `${sep}cursor=${cursor}` : ''}`, token ? { token } : {}),
    );
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 50);
  return { items, pages };
}

async function insertArtist(slug: string, name: string) {
  const [artist] = await testDb().insert(schema.artists).values({ slug, name }).returning();
  return artist!;
}

async function insertVenue(values: Partial<typeof schema.venues.$inferInsert> & { slug: string }) {
  const [venue] = await testDb()
    .insert(schema.venues)
    .values({ name: values.slug, city: 'Berlin', country: 'DE', timeZone: 'Europe/Berlin', ...values })
    .returning();
  return venue!;
}

async function insertShow(
  artistId: string,
  venueId: string,
  inDays: number,
  status: (typeof schema.showStatus.enumValues)[number] = 'upcoming',
  slug = `show-${tagOf()}`,
) {
  const startsAt = new Date(Date.now() + inDays * DAY);
  const [show] = await testDb()
    .insert(schema.shows)
    .values({
      slug,
      artistId,
      venueId,
      startsAt,
      status,
      votingOpensAt: new Date(startsAt.getTime() - 30 * DAY),
      votingClosesAt: startsAt,
    })
    .returning();
  return show!;
}

describe('artists', () => {
  const tag = tagOf();
  const genre = `genre-${tag}`;
  let zed: schema.Artist, alpha: schema.Artist, mid: schema.Artist;
  let venue: schema.Venue;

  beforeAll(async () => {
    const db = testDb();
    [zed, alpha, mid] = await db
      .insert(schema.artists)
      .values([
        { slug: `zed-${tag}`, name: `Zed ${tag}`, genres: [genre, 'rock'], popularity: 10 },
        { slug: `alpha-${tag}`, name: `Alpha ${tag}`, genres: [genre], popularity: 90 },
        { slug: `mid-${tag}`, name: `Mid ${tag}`, genres: [genre, 'pop'], popularity: 50 },
      ])
      .returning()
      .then((rows) => [rows[0]!, rows[1]!, rows[2]!]);
    await db.insert(schema.trendingScores).values([
      { entityType: 'artist', entityId: zed.id, score: 7.5, components: {} },
      { entityType: 'artist', entityId: mid.id, score: 2.25, components: {} },
    ]);
    venue = await insertVenue({ slug: `venue-${tag}` });
    await insertShow(zed.id, venue.id, 10);
    await insertShow(zed.id, venue.id, 3);
    await insertShow(zed.id, venue.id, -20, 'completed');
    await insertShow(alpha.id, venue.id, -5, 'completed');
    await db.insert(schema.songs).values([
      { artistId: zed.id, title: 'Zebra', album: 'B-Sides' },
      { artistId: zed.id, title: 'Apple', album: 'B-Sides' },
      { artistId: zed.id, title: 'Loose Single', album: null },
      { artistId: zed.id, title: 'Opening', album: 'A Debut' },
    ]);
  });

  it('lists by name, popularity and trending, paging with a cursor that keeps the sort', async () => {
    const byName = await allPages<ArtistItem>(`/v1/artists?genre=${genre}&limit=1`);
    expect(byName.items.map((a) => a.id)).toEqual([alpha.id, mid.id, zed.id]);
    expect(byName.pages).toBe(3);

    const byPopularity = await allPages<ArtistItem>(`/v1/artists?genre=${genre}&sort=popularity&limit=2`);
    expect(byPopularity.items.map((a) => a.popularity)).toEqual([90, 50, 10]);

    const byTrending = await allPages<ArtistItem>(`/v1/artists?genre=${genre}&sort=trending&limit=1`);
    expect(byTrending.items.map((a) => [a.id, a.trendingScore])).toEqual([
      [zed.id, 7.5],
      [mid.id, 2.25],
      [alpha.id, 0],
    ]);

    // A cursor only continues the sort it was issued for.
    const first = await ok<Page<ArtistItem>>(call(`/v1/artists?genre=${genre}&limit=1&sort=name`));
    const mixed = await call(`/v1/artists?genre=${genre}&limit=1&sort=popularity&cursor=${first.nextCursor}`);
    expect(mixed.status).toBe(422);
    expect((await errorOf(mixed)).code).toBe('invalid_cursor');
  });

  it('filters by genre (any case) and by whether an upcoming show exists', async () => {
    const upper = await ok<Page<ArtistItem>>(call(`/v1/artists?genre=${genre.toUpperCase()}&limit=10`));
    expect(upper.items).toHaveLength(3);
    const upcoming = await ok<Page<ArtistItem>>(call(`/v1/artists?genre=${genre}&hasUpcoming=true`));
    expect(upcoming.items.map((a) => a.id)).toEqual([zed.id]);
    const none = await ok<Page<ArtistItem>>(call(`/v1/artists?genre=${genre}&hasUpcoming=false`));
    expect(none.items.map((a) => a.id)).toEqual([alpha.id, mid.id]);
  });

  it('rejects bad filters with 400 and the zod details', async () => {
    const bad = await call('/v1/artists?sort=loudness&hasUpcoming=yes&limit=1000');
    expect(bad.status).toBe(400);
    const error = await errorOf(bad);
    expect(error.code).toBe('validation_failed');
    const paths = (error.details as { path: string }[]).map((d) => d.path).sort();
    expect(paths).toEqual(['hasUpcoming', 'limit', 'sort']);
  });

  it('serves an artist by slug or id with the catalogue and upcoming and past shows', async () => {
    const bySlug = await ok<{
      id: string;
      trendingScore: number;
      followerCount: number;
      songs: SongItem[];
      upcomingShows: ShowItem[];
      pastShows: ShowItem[];
    }>(call(`/v1/artists/${zed.slug}`));
    expect(bySlug.id).toBe(zed.id);
    expect(bySlug.trendingScore).toBe(7.5);
    expect(bySlug.followerCount).toBe(0);
    // By album (albumless last), then title.
    expect(bySlug.songs.map((s) => s.title)).toEqual(['Opening', 'Apple', 'Zebra', 'Loose Single']);
    expect(bySlug.upcomingShows.map((s) => s.status)).toEqual(['upcoming', 'upcoming']);
    expect(Date.parse(bySlug.upcomingShows[0]!.startsAt)).toBeLessThan(Date.parse(bySlug.upcomingShows[1]!.startsAt));
    expect(bySlug.upcomingShows[0]!.venue.id).toBe(venue.id);
    expect(bySlug.pastShows.map((s) => s.status)).toEqual(['completed']);

    const byId = await ok<{ slug: string }>(call(`/v1/artists/${zed.id}`));
    expect(byId.slug).toBe(zed.slug);
  });

  it('answers 404 for an unknown artist, by slug or by id', async () => {
    for (const path of [
      '/v1/artists/no-such-artist-anywhere',
      `/v1/artists/${crypto.randomUUID()}`,
      `/v1/artists/${crypto.randomUUID()}/similar`,
      '/v1/artists/nobody-here/songs',
    ]) {
      const res = await call(path);
      expect(res.status, path).toBe(404);
      expect((await errorOf(res)).code).toBe('not_found');
    }
  });
});

describe('similar artists', () => {
  let fan: { id: string; token: string };
  beforeAll(async () => {
    fan = await account();
  });

  it('ranks artists that share voters above those that only share a genre', async () => {
    const db = testDb();
    const tag = tagOf();
    const [me, twin, cousin, stranger] = await db
      .insert(schema.artists)
      .values([
        { slug: `me-${tag}`, name: `Me ${tag}`, genres: [`shoe-${tag}`, `dream-${tag}`] },
        { slug: `twin-${tag}`, name: `Twin ${tag}`, genres: [`other-${tag}`] },
        { slug: `cousin-${tag}`, name: `Cousin ${tag}`, genres: [`shoe-${tag}`] },
        { slug: `stranger-${tag}`, name: `Stranger ${tag}`, genres: [`far-${tag}`] },
      ])
      .returning();
    const venue = await insertVenue({ slug: `similar-${tag}` });
    const voters = await db
      .insert(schema.users)
      .values(
        [0, 1, 2].map((i) => ({
          email: `voter-${i}-${tag}@example.test`,
          passwordHash: 'x',
          displayName: `Voter ${i}`,
        })),
      )
      .returning();
    // Two voters vote on shows of both "me" and "twin"; a third only on "stranger"'s show.
    const voteOn = async (artistId: string, userIds: string[]) => {
      const show = await insertShow(artistId, venue.id, 5);
      const [song] = await db
        .insert(schema.songs)
        .values({ artistId, title: `Song ${tag}` })
        .returning();
      const [entry] = await db
        .insert(schema.setlistSongs)
        .values({ showId: show.id, songId: song!.id, voteCount: userIds.length })
        .returning();
      if (userIds.length)
        await db
          .insert(schema.votes)
          .values(
            userIds.map((userId) => ({ id: crypto.randomUUID(), userId, setlistSongId: entry!.id, showId: show.id })),
          );
    };
    await voteOn(me!.id, [voters[0]!.id, voters[1]!.id]);
    await voteOn(twin!.id, [voters[0]!.id, voters[1]!.id]);
    await voteOn(stranger!.id, [voters[2]!.id]);

    // Served from artist_similarity: nothing until the hourly refresh has run.
    type Similar = { items: { id: string; score: number; sharedVoters: number; sharedGenres: string[] }[] };
    expect((await ok<Similar>(call(`/v1/artists/${me!.slug}/similar`))).items).toEqual([]);
    await refreshSimilarity();

    const { items } = await ok<Similar>(call(`/v1/artists/${me!.id}/similar`));
    const ids = items.map((i) => i.id);
    expect(ids.slice(0, 2)).toEqual([twin!.id, cousin!.id]);
    expect(ids).not.toContain(stranger!.id);
    expect(ids).not.toContain(me!.id);
    expect(items[0]).toMatchObject({ sharedVoters: 2, sharedGenres: [], score: 0.7 });
    expect(items[1]).toMatchObject({ sharedVoters: 0, sharedGenres: [`shoe-${tag}`], score: 0.15 });

    // A follower is a fan too: once voter 2 follows "me", "stranger" shares a fan with it, after the next refresh.
    await db.insert(schema.follows).values({ userId: voters[2]!.id, artistId: me!.id });
    await refreshSimilarity();
    const after = await ok<Similar>(call(`/v1/artists/${me!.id}/similar`, { token: fan.token }));
    // me's fans {0,1,2}, stranger's {2}: cosine 1/sqrt(3) → 0.7 × 0.5774; twin: 2/sqrt(3·2) → 0.7 × 0.8165.
    expect(after.items.map((i) => i.id).slice(0, 3)).toEqual([twin!.id, stranger!.id, cousin!.id]);
    expect(after.items[1]).toMatchObject({ sharedVoters: 1, score: 0.4041 });
    expect(after.items[0]).toMatchObject({ sharedVoters: 2, score: 0.5715 });
  });
});

describe('song search within a catalogue', () => {
  const tag = tagOf();
  let artist: schema.Artist;

  beforeAll(async () => {
    const db = testDb();
    artist = await insertArtist(`singer-${tag}`, `Singer ${tag}`);
    await db.insert(schema.songs).values(
      [
        'Beyoncé (Intro)',
        'Formation',
        'Halo',
        'Crazy in Love',
        'Love On Top',
        'Déjà Vu',
        'Single Ladies (Put a Ring on It)',
        '100% Pure',
      ].map((title) => ({
        artistId: artist.id,
        title,
        album: 'Hits',
      })),
    );
    // Another artist's song never shows up in this catalogue.
    const other = await insertArtist(`other-${tag}`, `Other ${tag}`);
    await db.insert(schema.songs).values({ artistId: other.id, title: 'Formation' });
  });

  const search = async (q: string) =>
    (await ok<{ items: SongItem[] }>(call(`/v1/artists/${artist.slug}/songs?q=${encodeURIComponent(q)}`))).items.map(
      (s) => s.title,
    );

  it('lists the whole catalogue without q', async () => {
    const { items } = await ok<{ items: SongItem[] }>(call(`/v1/artists/${artist.id}/songs`));
    expect(items).toHaveLength(8);
  });

  it('ignores accents and case', async () => {
    expect((await search('beyonce'))[0]).toBe('Beyoncé (Intro)');
    expect((await search('DEJA VU'))[0]).toBe('Déjà Vu');
    expect((await search('halo'))[0]).toBe('Halo');
  });

  it('tolerates a one-letter typo', async () => {
    expect((await search('formaton'))[0]).toBe('Formation');
    expect((await search('crazy in lobe'))[0]).toBe('Crazy in Love');
    expect(await search('formaton')).toHaveLength(1);
  });

  it('puts prefix matches first, and finds a word inside a title', async () => {
    const love = await search('love');
    expect(love[0]).toBe('Love On Top');
    expect(love).toContain('Crazy in Love');
    expect((await search('sin'))[0]).toBe('Single Ladies (Put a Ring on It)');
  });

  it('finds another form of a word (full-text search): "loving" finds the songs with "love"', async () => {
    // "loving" and "love" share 3 of 7 trigrams: trigram similarity alone does not find them.
    expect((await search('loving')).sort()).toEqual(['Crazy in Love', 'Love On Top']);
  });

  it('treats LIKE wildcards in q literally', async () => {
    expect(await search('100%')).toEqual(['100% Pure']);
    expect(await search('%')).toEqual([]);
  });
});

describe('shows', () => {
  const tag = tagOf();
  let artist: schema.Artist;
  let zurich: schema.Venue, berlin: schema.Venue;
  let soon: schema.Show, later: schema.Show, past: schema.Show, elsewhere: schema.Show;

  beforeAll(async () => {
    const db = testDb();
    artist = await insertArtist(`band-${tag}`, `Band ${tag}`);
    zurich = await insertVenue({
      slug: `halle-${tag}`,
      name: `Halle ${tag}`,
      city: `Zürich ${tag}`,
      country: 'CH',
      timeZone: 'Europe/Zurich',
    });
    berlin = await insertVenue({ slug: `club-${tag}`, name: `Club ${tag}`, city: `Berlin ${tag}`, country: 'DE' });
    soon = await insertShow(artist.id, zurich.id, 2);
    later = await insertShow(artist.id, zurich.id, 40);
    past = await insertShow(artist.id, zurich.id, -10, 'completed');
    elsewhere = await insertShow(artist.id, berlin.id, 5);
    await db.insert(schema.trendingScores).values([
      { entityType: 'show', entityId: later.id, score: 9, components: {} },
      { entityType: 'show', entityId: elsewhere.id, score: 4, components: {} },
    ]);
  });

  const list = (query: string) => ok<Page<ShowItem>>(call(`/v1/shows?artistId=${artist.id}&${query}`));

  it('filters by venue, city (ignoring accents and case), country, status and date range', async () => {
    expect((await list(`venueId=${zurich.id}`)).items.map((s) => s.id)).toEqual([past.id, soon.id, later.id]);
    expect((await list(`city=${encodeURIComponent(`zurich ${tag.toUpperCase()}`)}`)).items.map((s) => s.id)).toEqual([
      past.id,
      soon.id,
      later.id,
    ]);
    expect((await list('country=de')).items.map((s) => s.id)).toEqual([elsewhere.id]);
    expect((await list('status=completed')).items.map((s) => s.id)).toEqual([past.id]);
    const from = new Date(Date.now()).toISOString();
    const to = new Date(Date.now() + 30 * DAY).toISOString();
    expect((await list(`from=${from}&to=${to}`)).items.map((s) => s.id)).toEqual([soon.id, elsewhere.id]);
  });

  it('sorts by trending score (unscored = 0) and pages through it', async () => {
    const { items, pages } = await allPages<ShowItem>(`/v1/shows?artistId=${artist.id}&sort=trending&limit=1`);
    expect(pages).toBe(4);
    expect(items.slice(0, 2).map((s) => s.id)).toEqual([later.id, elsewhere.id]);
    expect(new Set(items.map((s) => s.id))).toEqual(new Set([soon.id, later.id, past.id, elsewhere.id]));
    const byDate = await allPages<ShowItem>(`/v1/shows?artistId=${artist.id}&limit=3`);
    expect(byDate.items.map((s) => s.id)).toEqual([past.id, soon.id, elsewhere.id, later.id]);
  });

  it('rejects an inverted date range and unknown values with 400', async () => {
    const res = await call(`/v1/shows?sort=random&country=Germany`);
    expect(res.status).toBe(400);
    const paths = ((await errorOf(res)).details as { path: string }[]).map((d) => d.path).sort();
    expect(paths).toEqual(['country', 'sort']);
    const range = await call(`/v1/shows?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z`);
    expect(range.status).toBe(400);
    expect(JSON.stringify((await errorOf(range)).details)).toContain('to');
  });

  it('serves a show by id or slug with venue, artist and the top of the predicted setlist', async () => {
    const db = testDb();
    const songs = await db
      .insert(schema.songs)
      .values(Array.from({ length: 12 }, (_, i) => ({ artistId: artist.id, title: `Track ${i + 1}` })))
      .returning();
    await db
      .insert(schema.setlistSongs)
      .values(songs.map((song, i) => ({ showId: soon.id, songId: song.id, voteCount: i })));
    const detail = await ok<{
      id: string;
      artist: { id: string; genres: string[] };
      venue: { id: string; timeZone: string; capacity: number | null };
      predictedSetlist: { songCount: number; top: { title: string; voteCount: number }[] };
      actualSetlist: { state: string; songs: unknown[]; revision: number; finalizedAt: string | null };
    }>(call(`/v1/shows/${soon.slug}`));
    expect(detail.id).toBe(soon.id);
    expect(detail.artist.id).toBe(artist.id);
    expect(detail.venue).toMatchObject({ id: zurich.id, timeZone: 'Europe/Zurich' });
    expect(detail.predictedSetlist.songCount).toBe(12);
    expect(detail.predictedSetlist.top).toHaveLength(10);
    expect(detail.predictedSetlist.top[0]).toMatchObject({ title: 'Track 12', voteCount: 11 });
    // Nothing played yet (the actual setlist of a played show: actual-setlist.test.ts).
    expect(detail.actualSetlist).toMatchObject({ state: 'none', songs: [], revision: 0, finalizedAt: null });
    expect((await ok<{ slug: string }>(call(`/v1/shows/${soon.id}`))).slug).toBe(soon.slug);
    expect((await call(`/v1/shows/no-such-show-${tag}`)).status).toBe(404);
    expect((await call(`/v1/shows/${crypto.randomUUID()}`)).status).toBe(404);
  });
});

describe('venues', () => {
  it('lists venues by name with city and country filters, and serves one with its upcoming shows', async () => {
    const tag = tagOf();
    const city = `Kraków ${tag}`;
    const [b, a] = [
      await insertVenue({ slug: `b-${tag}`, name: `B Hall ${tag}`, city, country: 'PL', timeZone: 'Europe/Warsaw' }),
      await insertVenue({ slug: `a-${tag}`, name: `A Club ${tag}`, city, country: 'PL', timeZone: 'Europe/Warsaw' }),
    ];
    const { items, pages } = await allPages<{ id: string }>(
      `/v1/venues?city=${encodeURIComponent(`krakow ${tag}`)}&limit=1`,
    );
    expect(items.map((v) => v.id)).toEqual([a.id, b.id]);
    expect(pages).toBe(2);
    expect(
      (await ok<Page<{ id: string }>>(call(`/v1/venues?city=${encodeURIComponent(city)}&country=DE`))).items,
    ).toEqual([]);
    const polish = await ok<Page<{ country: string }>>(call(`/v1/venues?country=pl&limit=100`));
    expect(polish.items.every((v) => v.country === 'PL')).toBe(true);

    const artist = await insertArtist(`venue-act-${tag}`, `Act ${tag}`);
    const upcoming = await insertShow(artist.id, a.id, 3);
    await insertShow(artist.id, a.id, -3, 'completed');
    const detail = await ok<{ id: string; upcomingShows: ShowItem[] }>(call(`/v1/venues/${a.slug}`));
    expect(detail.id).toBe(a.id);
    expect(detail.upcomingShows.map((s) => s.id)).toEqual([upcoming.id]);
    expect((await call(`/v1/venues/${crypto.randomUUID()}`)).status).toBe(404);
    expect((await call('/v1/venues?country=POL')).status).toBe(400);
  });
});

describe('follows and the feed', () => {
  it('follows idempotently, lists my artists and feeds their upcoming shows, soonest first', async () => {
    const tag = tagOf();
    const fan = await account();
    const [one, two, unfollowed] = await testDb()
      .insert(schema.artists)
      .values([
        { slug: `one-${tag}`, name: `B One ${tag}` },
        { slug: `two-${tag}`, name: `A Two ${tag}` },
        { slug: `three-${tag}`, name: `C Three ${tag}` },
      ])
      .returning();
    const venue = await insertVenue({ slug: `feed-${tag}` });
    const s1 = await insertShow(one!.id, venue.id, 9);
    const s2 = await insertShow(two!.id, venue.id, 2);
    const s3 = await insertShow(one!.id, venue.id, 4, 'live');
    await insertShow(one!.id, venue.id, -4, 'completed');
    await insertShow(unfollowed!.id, venue.id, 1);

    for (const id of [one!.id, two!.id, one!.id])
      expect((await call(`/v1/me/follows/${id}`, { method: 'PUT', token: fan.token })).status).toBe(204);
    expect((await call(`/v1/me/follows/${crypto.randomUUID()}`, { method: 'PUT', token: fan.token })).status).toBe(404);

    const follows = await allPages<{ id: string; followedAt: string }>('/v1/me/follows?limit=1', fan.token);
    expect(follows.items.map((a) => a.id)).toEqual([two!.id, one!.id]);
    expect(follows.pages).toBe(2);

    const feed = await allPages<ShowItem>('/v1/me/feed?limit=2', fan.token);
    expect(feed.items.map((s) => s.id)).toEqual([s2.id, s3.id, s1.id]);
    expect(feed.pages).toBe(2);

    const detail = await ok<{ followerCount: number }>(call(`/v1/artists/${one!.id}`, { token: fan.token }));
    expect(detail.followerCount).toBe(1);

    for (let i = 0; i < 2; i++)
      expect((await call(`/v1/me/follows/${one!.id}`, { method: 'DELETE', token: fan.token })).status).toBe(204);
    const after = await ok<Page<ShowItem>>(call('/v1/me/feed?limit=10', { token: fan.token }));
    expect(after.items.map((s) => s.id)).toEqual([s2.id]);
    expect((await call('/v1/me/feed')).status).toBe(401);
  });
});

describe('catalogue administration', () => {
  let admin: { id: string; token: string },
    moderator: { id: string; token: string },
    fan: { id: string; token: string };

  beforeAll(async () => {
    [admin, moderator, fan] = await Promise.all([account('admin'), account('moderator'), account()]);
  });

  const auditOf = async (action: string, targetId: string) =>
    testDb()
      .select()
      .from(schema.auditLog)
      .where(and(eq(schema.auditLog.action, action), eq(schema.auditLog.targetId, targetId)));

  it('lets admins create and change artists and songs, audited; fans get 403; a taken slug 409', async () => {
    const tag = tagOf();
    const body = { name: `Beyoncé Knowles ${tag}`, genres: ['R&B', 'Pop'], popularity: 88 };
    expect((await call('/v1/admin/artists', { method: 'POST', token: fan.token, body })).status).toBe(403);
    expect((await call('/v1/admin/artists', { method: 'POST', token: moderator.token, body })).status).toBe(403);
    expect((await call('/v1/admin/artists', { method: 'POST', body })).status).toBe(401);

    const artist = await ok<{ id: string; slug: string; genres: string[] }>(
      call('/v1/admin/artists', { method: 'POST', token: admin.token, body }),
      201,
    );
    expect(artist.slug).toBe(`beyonce-knowles-${tag}`);
    expect(artist.genres).toEqual(['r&b', 'pop']);
    expect(await auditOf('artist.create', artist.id)).toHaveLength(1);

    const again = await call('/v1/admin/artists', { method: 'POST', token: admin.token, body });
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe('slug_taken');
    const badSlug = await call('/v1/admin/artists', {
      method: 'POST',
      token: admin.token,
      body: { name: 'X', slug: 'Not A Slug' },
    });
    expect(badSlug.status).toBe(400);
    expect(JSON.stringify((await errorOf(badSlug)).details)).toContain('slug');

    const patched = await ok<{ popularity: number; imageUrl: string | null }>(
      call(`/v1/admin/artists/${artist.id}`, {
        method: 'PATCH',
        token: admin.token,
        body: { popularity: 12, imageUrl: 'https://img.example/a.png' },
      }),
    );
    expect(patched).toMatchObject({ popularity: 12, imageUrl: 'https://img.example/a.png' });
    const [audit] = await auditOf('artist.update', artist.id);
    expect(audit?.details).toEqual({
      from: { popularity: 88, imageUrl: null },
      to: { popularity: 12, imageUrl: 'https://img.example/a.png' },
    });
    expect(
      (
        await call(`/v1/admin/artists/${crypto.randomUUID()}`, {
          method: 'PATCH',
          token: admin.token,
          body: { popularity: 1 },
        })
      ).status,
    ).toBe(404);
    expect(
      (await call(`/v1/admin/artists/${artist.id}`, { method: 'PATCH', token: admin.token, body: {} })).status,
    ).toBe(400);
    // Renaming onto another artist's slug conflicts too.
    const other = await ok<{ slug: string }>(
      call('/v1/admin/artists', { method: 'POST', token: admin.token, body: { name: `Other ${tag}` } }),
      201,
    );
    const clash = await call(`/v1/admin/artists/${artist.id}`, {
      method: 'PATCH',
      token: admin.token,
      body: { slug: other.slug },
    });
    expect(clash.status).toBe(409);

    const song = await ok<{ id: string; artistId: string }>(
      call(`/v1/admin/artists/${artist.id}/songs`, {
        method: 'POST',
        token: admin.token,
        body: { title: 'Halo', album: 'I Am... Sasha Fierce' },
      }),
      201,
    );
    expect(song.artistId).toBe(artist.id);
    expect(await auditOf('song.create', song.id)).toHaveLength(1);
    expect(
      (
        await call(`/v1/admin/artists/${crypto.randomUUID()}/songs`, {
          method: 'POST',
          token: admin.token,
          body: { title: 'x' },
        })
      ).status,
    ).toBe(404);
    const found = await ok<{ items: SongItem[] }>(call(`/v1/artists/${artist.slug}/songs?q=hal`));
    expect(found.items.map((s) => s.id)).toEqual([song.id]);
  });

  it('lets admins create and change venues', async () => {
    const tag = tagOf();
    const body = { name: `Olympia ${tag}`, city: 'Paris', country: 'fr', timeZone: 'Europe/Paris', capacity: 2000 };
    expect((await call('/v1/admin/venues', { method: 'POST', token: moderator.token, body })).status).toBe(403);
    const venue = await ok<{ id: string; slug: string; country: string }>(
      call('/v1/admin/venues', { method: 'POST', token: admin.token, body }),
      201,
    );
    expect(venue).toMatchObject({ slug: `olympia-${tag}-paris`, country: 'FR' });
    expect((await call('/v1/admin/venues', { method: 'POST', token: admin.token, body })).status).toBe(409);
    expect(
      (
        await call('/v1/admin/venues', {
          method: 'POST',
          token: admin.token,
          body: { ...body, slug: `x-${tag}`, timeZone: 'Mars/Olympus' },
        })
      ).status,
    ).toBe(400);
    const patched = await ok<{ capacity: number }>(
      call(`/v1/admin/venues/${venue.id}`, { method: 'PATCH', token: admin.token, body: { capacity: 2500 } }),
    );
    expect(patched.capacity).toBe(2500);
    expect(await auditOf('venue.update', venue.id)).toHaveLength(1);
  });

  it('lets moderators create shows and change their status, which reaches the live room', async () => {
    const tag = tagOf();
    const artist = await insertArtist(`live-act-${tag}`, `Live Act ${tag}`);
    const venue = await insertVenue({
      slug: `stage-${tag}`,
      city: 'São Paulo',
      country: 'BR',
      timeZone: 'America/Sao_Paulo',
    });
    const startsAt = new Date(Date.now() + 10 * DAY).toISOString();
    const body = { artistId: artist.id, venueId: venue.id, startsAt };
    expect((await call('/v1/admin/shows', { method: 'POST', token: fan.token, body })).status).toBe(403);
    expect(
      (
        await call('/v1/admin/shows', {
          method: 'POST',
          token: moderator.token,
          body: { ...body, venueId: crypto.randomUUID() },
        })
      ).status,
    ).toBe(404);
    const inverted = await call('/v1/admin/shows', {
      method: 'POST',
      token: moderator.token,
      body: { ...body, votingOpensAt: startsAt, votingClosesAt: new Date(Date.now()).toISOString() },
    });
    expect(inverted.status).toBe(400);

    const show = await ok<{ id: string; slug: string; status: string; votingOpensAt: string; votingClosesAt: string }>(
      call('/v1/admin/shows', { method: 'POST', token: moderator.token, body }),
      201,
    );
    expect(show.slug).toBe(`live-act-${tag}-sao-paulo-${startsAt.slice(0, 10)}`);
    expect(show.status).toBe('upcoming');
    expect(Date.parse(show.votingClosesAt)).toBe(Date.parse(startsAt));
    expect(Date.parse(show.votingOpensAt)).toBe(Date.parse(startsAt) - 30 * DAY);
    const duplicate = await call('/v1/admin/shows', { method: 'POST', token: moderator.token, body });
    expect(duplicate.status).toBe(409);
    expect((await errorOf(duplicate)).code).toBe('slug_taken');

    // The room loads the show (upcoming) first, so the status it shows next can only come from the push.
    const before = await ok<{ status: string }>(call(`/v1/shows/${show.id}/setlist`, { token: fan.token }));
    expect(before.status).toBe('upcoming');
    expect(
      (await call(`/v1/admin/shows/${show.id}`, { method: 'PATCH', token: fan.token, body: { status: 'live' } }))
        .status,
    ).toBe(403);
    const patched = await ok<{ status: string }>(
      call(`/v1/admin/shows/${show.id}`, { method: 'PATCH', token: moderator.token, body: { status: 'live' } }),
    );
    expect(patched.status).toBe('live');
    const after = await ok<{ status: string; votingOpen: boolean }>(
      call(`/v1/shows/${show.id}/setlist`, { token: fan.token }),
    );
    expect(after).toMatchObject({ status: 'live', votingOpen: false });
    const [audit] = await auditOf('show.update', show.id);
    expect(audit?.details).toEqual({ from: { status: 'upcoming' }, to: { status: 'live' } });

    // A voting window that would end before it opens, once merged with the stored one: 422.
    const window = await call(`/v1/admin/shows/${show.id}`, {
      method: 'PATCH',
      token: admin.token,
      body: { votingOpensAt: new Date(Date.parse(startsAt) + DAY).toISOString() },
    });
    expect(window.status).toBe(422);
    expect((await errorOf(window)).code).toBe('invalid_voting_window');
    expect(
      (
        await call(`/v1/admin/shows/${crypto.randomUUID()}`, {
          method: 'PATCH',
          token: admin.token,
          body: { status: 'live' },
        })
      ).status,
    ).toBe(404);
  });
});
