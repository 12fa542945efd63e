/**
 * Trending: the recompute (called in-process, and through the worker's `scheduled` handler as the cron calls it),
 * the decay formula, and GET /v1/trending/shows|artists.
 *
 * Activity is written straight to Postgres with chosen timestamps (votes, setlist additions, follows); views go
 * through recordView and the real ANALYTICS queue. The recompute scores every show of the shared test database,
 * so assertions look at this file's shows by id, and the burst is large enough to beat what other files do.
 */

import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '#shared/db/client';
import * as schema from '#shared/db/schema';
import type { TrendingArtistList, TrendingComponent, TrendingShowList } from '#shared/schemas/trending';
import { recordView } from '../src/analytics/record';
import { createApp } from '../src/app';
import type { AppEnv } from '../src/app-env';
import { encodeCursor } from '../src/http/pagination';
import worker from '../src/index';
import { HALF_LIFE_HOURS, recomputeTrending, TRENDING_CRON, WEIGHTS } from '../src/trending/recompute';
import { createShow, eventually, signUp, sql, testDb, uniqueEmail } from './support';

const app = createApp();
const HOUR = 3_600_000;
let token: string;

async function get<T>(path: string): Promise<T> {
  // Signed in, so the response cache never answers instead of the route.
  const res = await app.request(path, { headers: { Authorization: `Bearer ${token}` } }, env, createExecutionContext());
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as T;
}

async function recompute(now = new Date()) {
  const { db, close } = openDatabase(env);
  try {
    return await recomputeTrending(db, now);
  } finally {
    await close();
  }
}

async function fans(n: number) {
  return testDb()
    .insert(schema.users)
    .values(
      Array.from({ length: n }, () => ({
        email: uniqueEmail('trending'),
        passwordHash: 'not-a-password-hash',
        displayName: 'Trending fan',
      })),
    )
    .returning({ id: schema.users.id });
}

/** Adds songs to a show's predicted setlist at `at`. */
async function addSongs(showId: string, songIds: string[], at: Date) {
  return testDb()
    .insert(schema.setlistSongs)
    .values(songIds.map((songId) => ({ showId, songId, createdAt: at })))
    .returning();
}

/** Every user votes for every setlist song, at `at`. */
async function addVotes(showId: string, setlistSongIds: string[], userIds: string[], at: Date) {
  const rows = userIds.flatMap((userId) =>
    setlistSongIds.map((setlistSongId) => ({
      id: crypto.randomUUID(),
      userId,
      setlistSongId,
      showId,
      createdAt: at,
      updatedAt: at,
    })),
  );
  await testDb().insert(schema.votes).values(rows);
  return rows;
}

/** The first `count` songs of the show's artist join its setlist at `addedAt`, and every voter votes each. */
async function addVotedSongs(
  fixture: { show: { id: string }; songs: { id: string }[] },
  count: number,
  userIds: string[],
  addedAt: Date,
  votedAt: Date,
) {
  const entries = await addSongs(
    fixture.show.id,
    fixture.songs.slice(0, count).map((s) => s.id),
    addedAt,
  );
  await addVotes(
    fixture.show.id,
    entries.map((s) => s.id),
    userIds,
    votedAt,
  );
}

async function storedScore(entityType: 'show' | 'artist', entityId: string) {
  const [row] = await testDb()
    .select()
    .from(schema.trendingScores)
    .where(and(eq(schema.trendingScores.entityType, entityType), eq(schema.trendingScores.entityId, entityId)));
  return row;
}

const decay = (at: Date, now: Date) => 0.5 ** ((now.getTime() - at.getTime()) / HOUR / HALF_LIFE_HOURS);
const sumOf = (components: Record<string, TrendingComponent>) =>
  Object.values(components).reduce((sum, c) => sum + c.points, 0);

beforeAll(async () => {
  token = (await signUp()).token;
});

describe('trending', () => {
  it('a new show with a burst of votes rises to the top within one recompute', async () => {
    const [established, fresh] = await Promise.all([createShow({ songs: 6 }), createShow({ songs: 6 })]);
    const voters = (await fans(20)).map((u) => u.id);
    // The established show: 3 songs and 60 votes, three days ago.
    const threeDaysAgo = new Date(Date.now() - 72 * HOUR);
    await addVotedSongs(established, 3, voters, threeDaysAgo, threeDaysAgo);

    const before = await recompute();
    expect(before.shows.scored).toBeGreaterThanOrEqual(1);
    expect(await storedScore('show', fresh.show.id)).toBeUndefined();
    const first = await get<TrendingShowList>('/v1/trending/shows?limit=100');
    expect(first.items.some((i) => i.show.id === established.show.id)).toBe(true);
    expect(first.items.some((i) => i.show.id === fresh.show.id)).toBe(false);

    // The burst: 5 songs and 100 votes on the new show in the last half hour, and 4 follows of its artist.
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    await addVotedSongs(fresh, 5, voters, tenMinutesAgo, new Date(Date.now() - 5 * 60_000));
    await testDb()
      .insert(schema.follows)
      .values(voters.slice(0, 4).map((userId) => ({ userId, artistId: fresh.artist.id })));

    const now = new Date();
    const after = await recompute(now);
    expect(after.computedAt).toBe(now.toISOString());

    const shows = await get<TrendingShowList>('/v1/trending/shows?limit=10');
    const top = shows.items[0]!;
    expect(top.show.id).toBe(fresh.show.id);
    expect(top.show).toMatchObject({
      slug: fresh.show.slug,
      artist: { id: fresh.artist.id, name: fresh.artist.name },
      venue: { id: fresh.venue.id, city: 'Berlin' },
    });
    expect(top.computedAt).toBe(now.toISOString());
    expect(top.components.votes).toMatchObject({ events: 100, weight: WEIGHTS.vote });
    expect(top.components.additions).toMatchObject({ events: 5, weight: WEIGHTS.addition });
    expect(top.components.views).toEqual({ events: 0, weight: WEIGHTS.view, points: 0 });
    expect(top.components.votes.points).toBeCloseTo(
      100 * WEIGHTS.vote * decay(new Date(now.getTime() - 5 * 60_000), now),
      1,
    );
    expect(sumOf(top.components)).toBeCloseTo(top.score, 9);
    expect(shows.formula).toMatchObject({ halfLifeHours: HALF_LIFE_HOURS, weights: WEIGHTS });
    for (let i = 1; i < shows.items.length; i++)
      expect(shows.items[i]!.score).toBeLessThanOrEqual(shows.items[i - 1]!.score);

    // Three days of decay: each of the established show's votes counts 1/8 of a new one.
    const old = (await storedScore('show', established.show.id))!;
    const oldComponents = old.components as Record<'votes' | 'additions' | 'views', { events: number; points: number }>;
    expect(oldComponents.votes.events).toBe(60);
    expect(oldComponents.votes.points).toBeCloseTo(60 * WEIGHTS.vote * decay(threeDaysAgo, now), 9);
    expect(oldComponents.additions.points).toBeCloseTo(3 * WEIGHTS.addition * decay(threeDaysAgo, now), 9);
    expect(old.score).toBeCloseTo(
      oldComponents.votes.points + oldComponents.additions.points + oldComponents.views.points,
      9,
    );
    expect(old.score).toBeLessThan(top.score);

    // Its artist rises above the established show's artist: the show's activity plus the follows. (Not
    // necessarily first: other test files give other artists hundreds of fresh follows in the same database.)
    const artists = await get<TrendingArtistList>('/v1/trending/artists?limit=10');
    const rankOf = (artistId: string) => artists.items.findIndex((i) => i.artist.id === artistId);
    expect(rankOf(fresh.artist.id)).toBeGreaterThanOrEqual(0);
    if (rankOf(established.artist.id) >= 0) expect(rankOf(fresh.artist.id)).toBeLessThan(rankOf(established.artist.id));
    const artist = artists.items[rankOf(fresh.artist.id)]!;
    expect(artist.artist).toMatchObject({
      id: fresh.artist.id,
      slug: fresh.artist.slug,
      name: fresh.artist.name,
      genres: ['rock'],
    });
    expect(artist.components.follows.events).toBe(4);
    expect(artist.components.follows.points).toBeCloseTo(4 * WEIGHTS.follow, 2);
    expect(artist.components.votes.events).toBe(100);
    expect(sumOf(artist.components)).toBeCloseTo(artist.score, 9);
  });

  it('counts views recorded with recordView (through the analytics queue) for the show and its artist', async () => {
    const viewed = await createShow();
    const views = new Hono<AppEnv>().get('/:kind/:id', (c) => {
      recordView(c, c.req.param('kind') as 'show_view' | 'artist_view', c.req.param('id'));
      return c.body(null, 204);
    });
    const view = async (kind: string, id: string) => {
      const ctx = createExecutionContext();
      expect((await views.request(`/${kind}/${id}`, {}, env, ctx)).status).toBe(204);
      await waitOnExecutionContext(ctx);
    };
    for (let i = 0; i < 5; i++) await view('show_view', viewed.show.id);
    for (let i = 0; i < 3; i++) await view('artist_view', viewed.artist.id);
    // A malformed artist view (not from recordView) must not break the recompute.
    await sql().query(
      `insert into analytics_events (event_id, kind, at, data) values ($1, 'artist_view', now(), '{"artistId":"not-a-uuid"}')`,
      [crypto.randomUUID()],
    );
    await eventually(async () => {
      const [row] = (await sql().query(
        `select count(*) filter (where kind = 'show_view' and show_id = $1)::int as shows,
                count(*) filter (where kind = 'artist_view' and data->>'artistId' = $2)::int as artists
         from analytics_events where kind in ('show_view', 'artist_view')`,
        [viewed.show.id, viewed.artist.id],
      )) as { shows: number; artists: number }[];
      return row?.shows === 5 && row.artists === 3 ? true : undefined;
    });

    await recompute();
    const show = (await storedScore('show', viewed.show.id))!;
    const showViews = (show.components as Record<string, { events: number; points: number }>).views!;
    expect(showViews.events).toBe(5);
    expect(showViews.points).toBeCloseTo(5 * WEIGHTS.view, 3);
    expect(show.score).toBeCloseTo(showViews.points, 9);
    const artist = (await storedScore('artist', viewed.artist.id))!;
    const artistViews = (artist.components as Record<string, { events: number; points: number }>).views!;
    expect(artistViews.events).toBe(8);
    expect(artistViews.points).toBeCloseTo(8 * WEIGHTS.view, 3);
  });

  it('leaves out cancelled shows, and removes a score when its events are gone', async () => {
    const [cancelled, quiet] = await Promise.all([createShow({ status: 'cancelled' }), createShow()]);
    const [voter] = await fans(1);
    for (const { show, songs } of [cancelled, quiet]) {
      const [entry] = await addSongs(show.id, [songs[0]!.id], new Date());
      await addVotes(show.id, [entry!.id], [voter!.id], new Date());
    }
    await recompute();
    expect(await storedScore('show', cancelled.show.id)).toBeUndefined();
    expect(await storedScore('show', quiet.show.id)).toBeDefined();

    // The vote is taken back and the setlist entry removed: nothing left to score.
    await testDb().delete(schema.setlistSongs).where(eq(schema.setlistSongs.showId, quiet.show.id));
    const result = await recompute();
    expect(result.shows.removed).toBeGreaterThanOrEqual(1);
    expect(await storedScore('show', quiet.show.id)).toBeUndefined();
  });

  it('pages with a cursor, highest score first, and rejects a forged cursor', async () => {
    await recompute();
    const page1 = await get<TrendingShowList>('/v1/trending/shows?limit=2');
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = await get<TrendingShowList>(`/v1/trending/shows?limit=2&cursor=${page1.nextCursor}`);
    expect(page2.items.length).toBeGreaterThan(0);
    expect(page2.items[0]!.score).toBeLessThanOrEqual(page1.items[1]!.score);
    const ids = [...page1.items, ...page2.items].map((i) => i.show.id);
    expect(new Set(ids).size).toBe(ids.length);

    const forged = encodeCursor({ k: 'lots', id: crypto.randomUUID() });
    const res = await app.request(
      `/v1/trending/artists?cursor=${forged}`,
      { headers: { Authorization: `Bearer ${token}` } },
      env,
      createExecutionContext(),
    );
    expect(res.status).toBe(422);
  });
});

describe('the cron', () => {
  it(`recomputes trending on "${TRENDING_CRON}" through the worker's scheduled handler`, async () => {
    const { show, songs } = await createShow();
    const [voter] = await fans(1);
    const [entry] = await addSongs(show.id, [songs[0]!.id], new Date());
    await addVotes(show.id, [entry!.id], [voter!.id], new Date());
    const before = Date.now();

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: TRENDING_CRON }), env, ctx);
    await waitOnExecutionContext(ctx);

    const row = (await storedScore('show', show.id))!;
    expect(row.computedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const components = row.components as Record<string, { events: number; points: number }>;
    expect(components.votes!.events).toBe(1);
    expect(components.additions!.events).toBe(1);
    expect(row.score).toBeCloseTo(WEIGHTS.vote + WEIGHTS.addition, 3);
  });

  it('still removes expired sessions on the hourly expression', async () => {
    const [user] = await fans(1);
    const [expired] = await testDb()
      .insert(schema.sessions)
      .values({ userId: user!.id, tokenHash: crypto.randomUUID(), expiresAt: new Date(Date.now() - HOUR) })
      .returning();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: '17 * * * *' }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await testDb().select().from(schema.sessions).where(eq(schema.sessions.id, expired!.id))).toEqual([]);
  });
});
