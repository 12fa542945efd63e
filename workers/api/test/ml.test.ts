/**
 * Machine learning (docs/ml.md): the show forecast (GET /v1/shows/{showId}/forecast and the cron that fills
 * show_forecasts) and recommendations (GET /v1/me/recommendations) over the precomputed artist similarity.
 *
 * Fixtures are written straight to Postgres with chosen features; expected forecasts are computed here from the
 * committed model's coefficients and those features, independently of the code under test. Requests go to the
 * app in-process (see catalog.test.ts); the cron runs through the worker's real `scheduled` handler.
 */

import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import * as schema from '#shared/db/schema';
import type { Recommendations, ShowForecast } from '#shared/schemas/ml';
import { createApp } from '../src/app';
import modelJson from '../src/forecast/model.json';
import worker from '../src/index';
import { TRENDING_CRON } from '../src/trending/recompute';
import { signUp, testDb, uniqueEmail } from './support';

const app = createApp();
const DAY = 86_400_000;
const tagOf = () => crypto.randomUUID().slice(0, 8);

async function call(path: string, token?: string): Promise<Response> {
  const headers = new Headers();
  if (token) headers.set('Authorization', `Bearer ${token}`);
  return app.request(path, { headers }, env, createExecutionContext());
}

async function ok<T>(res: Response | Promise<Response>): Promise<T> {
  const r = await res;
  const text = await r.text();
  expect(r.status, text).toBe(200);
  return JSON.parse(text) as T;
}

async function fans(n: number, tag: string) {
  return testDb()
    .insert(schema.users)
    .values(
      Array.from({ length: n }, () => ({
        email: uniqueEmail(`ml-${tag}`),
        passwordHash: 'not-a-password-hash',
        displayName: 'ML fan',
      })),
    )
    .returning({ id: schema.users.id });
}

/** The first Saturday at least `minDays` from now, 18:00 UTC (19:00 or 20:00 in Berlin: still Saturday there). */
function saturdayEvening(minDays: number): Date {
  const d = new Date(Date.now() + minDays * DAY);
  d.setUTCHours(18, 0, 0, 0);
  while (d.getUTCDay() !== 6) d.setTime(d.getTime() + DAY);
  return d;
}

interface ShowFixture {
  popularity: number;
  followers: number;
  capacity: number | null;
  startsAt: Date;
  opensAt: Date;
  /** Votes cast in the first day of the window (all counted as early votes). */
  earlyVotes: number;
  /** Votes cast later (not early). */
  laterVotes: number;
  genres?: string[];
}

async function showWith(f: ShowFixture) {
  const db = testDb();
  const tag = tagOf();
  const [artist] = await db
    .insert(schema.artists)
    .values({ slug: `ml-${tag}`, name: `ML ${tag}`, popularity: f.popularity, genres: f.genres ?? [`ml-${tag}`] })
    .returning();
  const [venue] = await db
    .insert(schema.venues)
    .values({
      slug: `ml-venue-${tag}`,
      name: `ML Venue ${tag}`,
      city: 'Berlin',
      country: 'DE',
      timeZone: 'Europe/Berlin',
      capacity: f.capacity,
    })
    .returning();
  const [show] = await db
    .insert(schema.shows)
    .values({
      slug: `ml-show-${tag}`,
      artistId: artist!.id,
      venueId: venue!.id,
      startsAt: f.startsAt,
      votingOpensAt: f.opensAt,
      votingClosesAt: f.startsAt,
    })
    .returning();
  const people = await fans(Math.max(f.followers, f.earlyVotes + f.laterVotes, 1), tag);
  if (f.followers)
    await db
      .insert(schema.follows)
      .values(people.slice(0, f.followers).map((p) => ({ userId: p.id, artistId: artist!.id })));
  const [song] = await db
    .insert(schema.songs)
    .values({ artistId: artist!.id, title: `Song ${tag}` })
    .returning();
  const [entry] = await db
    .insert(schema.setlistSongs)
    .values({ showId: show!.id, songId: song!.id, voteCount: f.earlyVotes + f.laterVotes })
    .returning();
  const early = new Date(f.opensAt.getTime() + DAY / 2);
  const later = new Date(f.opensAt.getTime() + 4 * DAY);
  const voters = people.slice(0, f.earlyVotes + f.laterVotes);
  if (voters.length) {
    await db.insert(schema.votes).values(
      voters.map((p, i) => {
        const at = i < f.earlyVotes ? early : later;
        return {
          id: crypto.randomUUID(),
          userId: p.id,
          setlistSongId: entry!.id,
          showId: show!.id,
          createdAt: at,
          updatedAt: at,
        };
      }),
    );
  }
  return { artist: artist!, venue: venue!, show: show! };
}

/** The model's prediction, recomputed here from the committed coefficients (not through the code under test). */
function expectedVotes(
  variant: 'prior' | 'early',
  x: { popularity: number; followers: number; capacity: number; weekend: boolean; earlyVotes: number },
) {
  const c = modelJson.variants[variant].coefficients as Record<string, number>;
  const p = x.popularity / 100;
  const eta =
    c.intercept! +
    c.popularity! * p +
    c.popularitySquared! * p * p +
    c.logFollowers! * Math.log(1 + x.followers) +
    c.logCapacity! * Math.log(x.capacity) +
    c.weekend! * (x.weekend ? 1 : 0) +
    (variant === 'early' ? c.logEarlyVotes! * Math.log(1 + x.earlyVotes) : 0);
  return Math.exp(eta);
}

describe('show forecast', () => {
  it('answers 404 JSON for an unknown show and 400 for a malformed id', async () => {
    const missing = await call(`/v1/shows/${crypto.randomUUID()}/forecast`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/json');
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const malformed = await call('/v1/shows/not-a-uuid/forecast');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
  });

  it('predicts from the early votes once the first days of voting are over', async () => {
    const startsAt = saturdayEvening(10);
    const { show } = await showWith({
      popularity: 60,
      followers: 3,
      capacity: 1200,
      startsAt,
      opensAt: new Date(Date.now() - 5 * DAY),
      earlyVotes: 4,
      laterVotes: 2,
    });
    const body = await ok<ShowForecast>(call(`/v1/shows/${show.id}/forecast`));
    expect(body.features).toMatchObject({
      popularity: 60,
      followers: 3,
      venueCapacity: 1200,
      weekday: 6,
      earlyVotes: 4,
    });
    expect(body.features.daysToShow).toBeCloseTo((startsAt.getTime() - Date.now()) / DAY, 1);
    expect(body.variant).toBe('early');
    expect(body.modelVersion).toBe(modelJson.version);
    const expected = expectedVotes('early', {
      popularity: 60,
      followers: 3,
      capacity: 1200,
      weekend: true,
      earlyVotes: 4,
    });
    expect(body.predictedVotes).toBeCloseTo(expected, 6);
    const windowMinutes = (startsAt.getTime() - (Date.now() - 5 * DAY)) / 60_000;
    expect(body.predictedVotesPerMinute).toBeCloseTo(expected / windowMinutes, 4);
  });

  it('uses the prior model before that, and the default capacity when the venue has none', async () => {
    // A Wednesday show (weekday 3), voting opened a day ago: early votes are not known yet.
    const startsAt = saturdayEvening(10);
    startsAt.setTime(startsAt.getTime() - 3 * DAY);
    const { show } = await showWith({
      popularity: 20,
      followers: 0,
      capacity: null,
      startsAt,
      opensAt: new Date(Date.now() - DAY),
      earlyVotes: 1,
      laterVotes: 0,
    });
    const body = await ok<ShowForecast>(call(`/v1/shows/${show.id}/forecast`));
    expect(body.features).toMatchObject({
      popularity: 20,
      followers: 0,
      venueCapacity: null,
      weekday: 3,
      earlyVotes: null,
    });
    expect(body.variant).toBe('prior');
    expect(body.predictedVotes).toBeCloseTo(
      expectedVotes('prior', {
        popularity: 20,
        followers: 0,
        capacity: modelJson.defaultCapacity,
        weekend: false,
        earlyVotes: 0,
      }),
      6,
    );
  });

  it(`writes show_forecasts on "${TRENDING_CRON}" through the worker's scheduled handler`, async () => {
    const startsAt = saturdayEvening(8);
    const opensAt = new Date(Date.now() - 4 * DAY);
    const { show } = await showWith({
      popularity: 80,
      followers: 5,
      capacity: 5000,
      startsAt,
      opensAt,
      earlyVotes: 7,
      laterVotes: 3,
    });
    // A completed show is not forecast any more.
    const past = await showWith({
      popularity: 80,
      followers: 0,
      capacity: 5000,
      startsAt: new Date(Date.now() - DAY),
      opensAt: new Date(Date.now() - 31 * DAY),
      earlyVotes: 0,
      laterVotes: 0,
    });
    await testDb().update(schema.shows).set({ status: 'completed' }).where(eq(schema.shows.id, past.show.id));
    const before = Date.now();

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: TRENDING_CRON }), env, ctx);
    await waitOnExecutionContext(ctx);

    const [row] = await testDb().select().from(schema.showForecasts).where(eq(schema.showForecasts.showId, show.id));
    expect(row, 'a forecast row for the open show').toBeDefined();
    const expected = expectedVotes('early', {
      popularity: 80,
      followers: 5,
      capacity: 5000,
      weekend: true,
      earlyVotes: 7,
    });
    expect(row!.predictedVotes).toBeCloseTo(expected, 6);
    expect(row!.predictedVotesPerMinute).toBeCloseTo(expected / ((startsAt.getTime() - opensAt.getTime()) / 60_000), 6);
    expect(row!.modelVersion).toBe(modelJson.version);
    expect(row!.features).toMatchObject({
      popularity: 80,
      followers: 5,
      venueCapacity: 5000,
      weekday: 6,
      earlyVotes: 7,
      variant: 'early',
    });
    expect(row!.computedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const pastRows = await testDb()
      .select()
      .from(schema.showForecasts)
      .where(eq(schema.showForecasts.showId, past.show.id));
    expect(pastRows).toEqual([]);
  });
});

describe('recommendations', () => {
  const tag = tagOf();
  const genre = `ml-genre-${tag}`;
  let seed: schema.Artist, coFollowed: schema.Artist, coVoted: schema.Artist, sameGenre: schema.Artist;
  let coFollowedShowId: string;

  beforeAll(async () => {
    const db = testDb();
    [seed, coFollowed, coVoted, sameGenre] = (await db
      .insert(schema.artists)
      .values([
        { slug: `seed-${tag}`, name: `Seed ${tag}`, genres: [genre], popularity: 10 },
        { slug: `cofollowed-${tag}`, name: `Co-followed ${tag}`, genres: [`other-${tag}`], popularity: 5 },
        { slug: `covoted-${tag}`, name: `Co-voted ${tag}`, genres: [`third-${tag}`], popularity: 5 },
        // Shares the seed's genre but no fan: only the genre fallback finds it.
        { slug: `samegenre-${tag}`, name: `Same genre ${tag}`, genres: [genre], popularity: 90 },
      ])
      .returning()) as [schema.Artist, schema.Artist, schema.Artist, schema.Artist];
    const others = await fans(3, tag);
    // Fans 0 and 1 follow the seed and co-followed; fan 2 follows the seed and voted at a co-voted show.
    await db
      .insert(schema.follows)
      .values([
        ...others.map((f) => ({ userId: f.id, artistId: seed.id })),
        { userId: others[0]!.id, artistId: coFollowed.id },
        { userId: others[1]!.id, artistId: coFollowed.id },
      ]);
    const [venue] = await db
      .insert(schema.venues)
      .values({ slug: `rec-venue-${tag}`, name: `Rec ${tag}`, city: 'Lyon', country: 'FR', timeZone: 'Europe/Paris' })
      .returning();
    const showOf = async (artistId: string, inDays: number) => {
      const startsAt = new Date(Date.now() + inDays * DAY);
      const [show] = await db
        .insert(schema.shows)
        .values({
          slug: `rec-${tagOf()}`,
          artistId,
          venueId: venue!.id,
          startsAt,
          votingOpensAt: new Date(startsAt.getTime() - 30 * DAY),
          votingClosesAt: startsAt,
        })
        .returning();
      return show!;
    };
    const votedShow = await showOf(coVoted.id, 3);
    coFollowedShowId = (await showOf(coFollowed.id, 20)).id;
    const [song] = await db
      .insert(schema.songs)
      .values({ artistId: coVoted.id, title: `Covoted ${tag}` })
      .returning();
    const [entry] = await db
      .insert(schema.setlistSongs)
      .values({ showId: votedShow.id, songId: song!.id, voteCount: 1 })
      .returning();
    await db
      .insert(schema.votes)
      .values({ id: crypto.randomUUID(), userId: others[2]!.id, setlistSongId: entry!.id, showId: votedShow.id });
    // The hourly cron, through the worker's scheduled handler, fills artist_similarity.
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: '17 * * * *' }), env, ctx);
    await waitOnExecutionContext(ctx);
  });

  it("the hourly cron stored the seed's neighbours, best first", async () => {
    const rows = await testDb()
      .select()
      .from(schema.artistSimilarity)
      .where(eq(schema.artistSimilarity.artistId, seed.id))
      .orderBy(schema.artistSimilarity.rank);
    expect(rows.slice(0, 3).map((r) => r.similarArtistId)).toEqual([coFollowed.id, coVoted.id, sameGenre.id]);
    expect(rows[0]).toMatchObject({ rank: 1, sharedFans: 2, genreScore: 0 });
    expect(rows[2]).toMatchObject({
      rank: 3,
      sharedFans: 0,
      fanScore: 0,
      genreScore: 1,
      sharedGenres: [genre],
      score: 0.3,
    });
  });

  it('recommends what fans of your artists also follow or vote for, with the reason, never what you follow', async () => {
    const me = await signUp();
    await testDb().insert(schema.follows).values({ userId: me.user.id, artistId: seed.id });
    const body = await ok<Recommendations>(call('/v1/me/recommendations?limit=5', me.token));
    expect(body.basis).toBe('collaborative');
    expect(body.artists).toHaveLength(5);
    // Co-followed by two of the seed's three fans ranks above co-voted by one.
    expect(body.artists.slice(0, 2).map((a) => a.artist.id)).toEqual([coFollowed.id, coVoted.id]);
    for (const item of body.artists.slice(0, 2)) {
      expect(item.reason).toMatchObject({ kind: 'similar_fans', because: { id: seed.id, slug: seed.slug } });
      expect(item.reason.message).toBe(`Fans of ${seed.name} also follow or vote for ${item.artist.name}`);
    }
    expect(body.artists.map((a) => a.artist.id)).not.toContain(seed.id);
    // One seed: an artist's score is its stored similarity to the seed (cosine 2/sqrt(3·2) × 0.7 = 0.5715 when
    // the seed has its 3 fans; a refresh run by another test file meanwhile counts this fan too, hence the lookup).
    const similarity = await testDb()
      .select()
      .from(schema.artistSimilarity)
      .where(eq(schema.artistSimilarity.artistId, seed.id));
    for (const item of body.artists.slice(0, 2)) {
      expect(item.score).toBeCloseTo(similarity.find((r) => r.similarArtistId === item.artist.id)!.score, 4);
    }
    // Their upcoming shows, in the artists' order.
    const showArtists = body.shows.map((s) => s.show.artist.id);
    expect(showArtists.indexOf(coFollowed.id)).toBeGreaterThanOrEqual(0);
    expect(showArtists.indexOf(coFollowed.id)).toBeLessThan(showArtists.indexOf(coVoted.id));
    expect(body.shows.find((s) => s.show.id === coFollowedShowId)!.reason.kind).toBe('similar_fans');
  });

  it('a fan who voted (without following) gets the same neighbours', async () => {
    const me = await signUp();
    // Voting at a co-voted show makes co-voted a seed: the seed (shared fan 2) comes back as a recommendation.
    const [show] = await testDb().select().from(schema.shows).where(eq(schema.shows.artistId, coVoted.id));
    const [entry] = await testDb().select().from(schema.setlistSongs).where(eq(schema.setlistSongs.showId, show!.id));
    await testDb()
      .insert(schema.votes)
      .values({ id: crypto.randomUUID(), userId: me.user.id, setlistSongId: entry!.id, showId: show!.id });
    const body = await ok<Recommendations>(call('/v1/me/recommendations?limit=3', me.token));
    expect(body.artists[0]).toMatchObject({
      artist: { id: seed.id },
      reason: { kind: 'similar_fans', because: { id: coVoted.id } },
    });
    // The show they already voted on is not recommended back.
    expect(body.shows.map((s) => s.show.id)).not.toContain(show!.id);
  });

  it('gives a new fan the most popular artists of the genres they like', async () => {
    const me = await signUp();
    const body = await ok<Recommendations>(
      call(`/v1/me/recommendations?limit=3&genres=${encodeURIComponent(genre.toUpperCase())}`, me.token),
    );
    expect(body.basis).toBe('genre');
    // Only two artists have the genre: the most popular first, then the rest of the list is popular overall.
    expect(body.artists.slice(0, 2).map((a) => a.artist.id)).toEqual([sameGenre.id, seed.id]);
    expect(body.artists[0]!.reason).toEqual({ kind: 'genre', because: null, genre, message: `Popular in ${genre}` });
    expect(body.artists[2]!.reason.kind).toBe('popular');
  });

  it('falls back to popular artists when nothing is known, and asks for sign-in', async () => {
    const me = await signUp();
    const body = await ok<Recommendations>(call('/v1/me/recommendations', me.token));
    expect(body.basis).toBe('popular');
    expect(body.artists.length).toBeGreaterThan(0);
    expect(body.artists.every((a) => a.reason.kind === 'popular')).toBe(true);
    const popularity = body.artists.map((a) => a.artist.popularity);
    expect(popularity).toEqual([...popularity].sort((a, b) => b - a));
    expect((await call('/v1/me/recommendations')).status).toBe(401);
    expect((await call('/v1/me/recommendations?limit=0', me.token)).status).toBe(400);
  });
});
