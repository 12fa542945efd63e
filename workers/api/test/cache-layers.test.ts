/**
 * The read path's cache layers, through the app in-process: L1 (this isolate's memory), L2 (the Cache API),
 * L3 (Cache-Control, ETag, 304), invalidation by catalogue writes, and the warming cron.
 *
 * The api test project runs with RESPONSE_CACHE_FRESH_SECONDS=0 so that other files always read their own
 * writes; these tests pass their own bindings with a 30 s freshness window instead (`cached`). URLs are made
 * unique by the fixtures' ids, so copies left in caches.default by other files never answer here.
 */

import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as schema from '#shared/db/schema';
import { createApp } from '../src/app';
import { bumpGeneration } from '../src/cache/generation';
import { clearMemoryCache } from '../src/cache/memory';
import worker from '../src/index';
import { TRENDING_CRON } from '../src/trending/recompute';
import { BASE, createShow, signUp, signUpAs, sql, testDb } from './support';

const app = createApp();
const cached = { ...env, RESPONSE_CACHE_FRESH_SECONDS: '30' } as Env;
const PUBLIC = 'public, max-age=30, stale-while-revalidate=30';

/** A request through the app; waits for what it left running (the L2 write) before returning. */
async function get(path: string, headers: Record<string, string> = {}, bindings: Env = cached): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.request(`${BASE}${path}`, { headers }, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const how = (res: Response) => res.headers.get('X-Cache');

afterEach(() => vi.restoreAllMocks());

describe('L1 and L2', () => {
  it('serves a repeated anonymous GET from memory, and from the Cache API when memory does not have it', async () => {
    const { show } = await createShow();
    const path = `/v1/shows/${show.id}`;
    const miss = await get(path);
    expect(miss.status).toBe(200);
    expect(how(miss)).toBe('MISS');
    const body = await miss.text();

    const l1 = await get(path);
    expect([l1.status, how(l1)]).toEqual([200, 'HIT-L1']);
    expect(l1.headers.get('Cache-Status')).toContain('detail=memory');
    expect(await l1.text()).toBe(body);

    // As another isolate would: nothing in memory, the copy comes from L2, which fills L1 again.
    clearMemoryCache();
    const l2 = await get(path);
    expect([l2.status, how(l2)]).toEqual([200, 'HIT-L2']);
    expect(await l2.text()).toBe(body);
    expect(l2.headers.get('ETag')).toBe(miss.headers.get('ETag'));
    expect(how(await get(path))).toBe('HIT-L1');

    // Without a freshness window (the test project's own setting), every read reaches the route.
    expect(how(await get(path, {}, env))).toBe('MISS');
  });

  it('never shares personal answers', async () => {
    const { show } = await createShow();
    const admin = await signUpAs('admin');
    const path = `/v1/shows/${show.id}`;
    await get(path);
    const personal = await get(path, { Authorization: `Bearer ${admin.token}` });
    expect(personal.status).toBe(200);
    expect(how(personal)).toBeNull();
    expect(personal.headers.get('Cache-Control')).toBe('private, no-store');
    expect(personal.headers.get('ETag')).toBeNull();
    const withSession = await get(path, { Cookie: `_ga=GA1.1.1; msl_session=${admin.token}` });
    expect(how(withSession)).toBeNull();
    expect(withSession.headers.get('Cache-Control')).toBe('private, no-store');
  });

  it('shares answers with visitors who carry other cookies (analytics, consent): only the session cookie is personal', async () => {
    const { show } = await createShow();
    const path = `/v1/shows/${show.id}`;
    expect(how(await get(path))).toBe('MISS');
    const res = await get(path, { Cookie: '_ga=GA1.1.123.456; cookie_consent=analytics' });
    expect([res.status, how(res)]).toEqual([200, 'HIT-L1']);
    expect(res.headers.get('Cache-Control')).toBe(PUBLIC);
  });
});

describe('signed-in pages', () => {
  it('read the shared copy of what is the same for everyone; what is personal stays personal', async () => {
    const { show, venue } = await createShow();
    const fan = await signUp();
    expect(how(await get(`/v1/shows/${show.slug}`))).toBe('MISS');
    // Behind the cache's back (no catalogue write, so no new generation): only a read that reaches the database
    // sees the new name.
    const renamed = `${venue.name} (renamed behind the cache)`;
    await testDb().update(schema.venues).set({ name: renamed }).where(eq(schema.venues.id, venue.id));

    const signedIn = await get(`/shows/${show.slug}`, { Accept: 'text/html', Cookie: `msl_session=${fan.token}` });
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.get('Cache-Control')).toBe('private, no-store');
    const html = await signedIn.text();
    expect(html).toContain('"signedIn":true');
    expect(html).toContain(venue.name);
    expect(html).not.toContain(renamed);
    // The API answers a signed-in client itself from the database: its personal answers are never shared.
    const personal = await get(`/v1/shows/${show.slug}`, { Authorization: `Bearer ${fan.token}` });
    expect(((await personal.json()) as { venue: { name: string } }).venue.name).toBe(renamed);
  });
});

describe('L3: Cache-Control, ETag, 304', () => {
  it('marks shared answers public with a strong ETag, and answers If-None-Match with 304 from every layer', async () => {
    const { artist } = await createShow();
    const path = `/v1/artists/${artist.id}`;
    const miss = await get(path, { Origin: 'http://127.0.0.1:8787' });
    const etag = miss.headers.get('ETag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/); // SHA-256, base64url
    expect(miss.headers.get('Cache-Control')).toBe(PUBLIC);
    expect(miss.headers.get('Vary')).toBe('Authorization, Cookie, Origin');

    const fromMemory = await get(path, { 'If-None-Match': etag });
    expect([fromMemory.status, how(fromMemory)]).toEqual([304, 'HIT-L1']);
    expect(await fromMemory.text()).toBe('');
    expect(fromMemory.headers.get('ETag')).toBe(etag);
    expect(fromMemory.headers.get('Cache-Control')).toBe(PUBLIC);
    expect(fromMemory.headers.get('Content-Type')).toBeNull();

    clearMemoryCache();
    const fromL2 = await get(path, { 'If-None-Match': `"something-else", ${etag}` });
    expect([fromL2.status, how(fromL2)]).toEqual([304, 'HIT-L2']);

    // With a token the answer is personal: no validator, no 304.
    const admin = await signUpAs('admin');
    const personal = await get(path, { 'If-None-Match': etag, Authorization: `Bearer ${admin.token}` });
    expect(personal.status).toBe(200);
  });

  it('gives changed content a new ETag', async () => {
    const { artist } = await createShow();
    const path = `/v1/artists/${artist.id}`;
    // The test project's bindings: no fresh copies, every read is rendered by the route.
    const before = await get(path, {}, env);
    const etag = before.headers.get('ETag')!;
    expect(before.headers.get('Cache-Control')).toBe('public, no-cache');
    const same = await get(path, { 'If-None-Match': etag }, env);
    expect([same.status, how(same)]).toEqual([304, 'MISS']);

    await testDb()
      .update(schema.artists)
      .set({ name: `${artist.name} (renamed)` })
      .where(eq(schema.artists.id, artist.id));
    const after = await get(path, { 'If-None-Match': etag }, env);
    expect(after.status).toBe(200);
    expect(after.headers.get('ETag')).not.toBe(etag);
    expect(((await after.json()) as { name: string }).name).toBe(`${artist.name} (renamed)`);
  });

  it('tells caches never to keep /health', async () => {
    const res = await get('/health');
    expect(res.headers.get('Cache-Control')).toBe('no-store');
  });
});

describe('invalidation', () => {
  it('shows an admin write to the very next anonymous GET, from every layer', async () => {
    const { artist, show } = await createShow();
    const admin = await signUpAs('admin');
    const artistPath = `/v1/artists/${artist.id}`;
    const showPath = `/v1/shows/${show.id}`;
    for (const path of [artistPath, showPath]) {
      await get(path);
      expect(how(await get(path))).toBe('HIT-L1');
    }

    const renamed = `${artist.name} (new name)`;
    const ctx = createExecutionContext();
    const patch = await app.request(
      `${BASE}/v1/admin/artists/${artist.id}`,
      {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: renamed }),
      },
      cached,
      ctx,
    );
    expect(patch.status).toBe(200);

    // The artist page, and a page that merely mentions the artist (the show's), are rendered again.
    const artistAfter = await get(artistPath);
    expect(how(artistAfter)).toBe('MISS');
    expect(((await artistAfter.json()) as { name: string }).name).toBe(renamed);
    const showAfter = await get(showPath);
    expect(how(showAfter)).toBe('MISS');
    expect(((await showAfter.json()) as { artist: { name: string } }).artist.name).toBe(renamed);
    // L2 holds the new copies only.
    clearMemoryCache();
    const shared = await get(artistPath);
    expect(how(shared)).toBe('HIT-L2');
    expect(((await shared.json()) as { name: string }).name).toBe(renamed);

    // With read replicas, the write is followed by a second invalidation (REPLICA_LAG_GRACE_MS later).
    await waitOnExecutionContext(ctx);
    const afterGrace = await get(artistPath);
    expect(how(afterGrace)).toBe('MISS');
    expect(((await afterGrace.json()) as { name: string }).name).toBe(renamed);
  });

  it('drops copies in every isolate: the shared generation alone makes L1 and L2 copies stale', async () => {
    const { show } = await createShow();
    const path = `/v1/shows/${show.id}`;
    await get(path);
    expect(how(await get(path))).toBe('HIT-L1');
    // A write handled by another isolate: this isolate's memory is not touched, only the shared generation.
    await bumpGeneration(caches.default, BASE);
    expect(how(await get(path))).toBe('MISS');
    expect(how(await get(path))).toBe('HIT-L1');
  });
});

describe('warming', () => {
  it('fills the cache with the trending pages and the week’s busiest shows, through the scheduled handler', async () => {
    const { show, songs } = await createShow();
    const db = testDb();
    await db
      .update(schema.shows)
      .set({ startsAt: new Date(Date.now() + 2 * 86_400_000) })
      .where(eq(schema.shows.id, show.id));
    // More votes than any other show of the shared test database: the busiest of the week.
    await db.insert(schema.setlistSongs).values({ showId: show.id, songId: songs[0]!.id, voteCount: 1_000_000 });

    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    const ctx = createExecutionContext();
    await worker.scheduled!(
      createScheduledController({ cron: TRENDING_CRON, scheduledTime: Date.now() }),
      { ...cached, PUBLIC_API_ORIGIN: BASE, LOG_LEVEL: 'info' },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    vi.restoreAllMocks();
    const summary = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.msg === 'cron job ok' && entry.job === 'cache warming');
    expect(summary).toMatchObject({ failed: 0 });
    expect(summary!.requested).toBeGreaterThanOrEqual(4);
    expect(summary!.requested).toBeLessThanOrEqual(50);

    // Served from L2 (a fresh isolate's view) on the first visitor's request.
    clearMemoryCache();
    const trending = await get('/v1/trending/shows');
    expect([trending.status, how(trending)]).toEqual([200, 'HIT-L2']);
    for (const path of ['/v1/trending/artists', '/v1/shows?sort=trending&limit=20', `/v1/shows/${show.id}`]) {
      const res = await get(path);
      expect([path, res.status, how(res)]).toEqual([path, 200, 'HIT-L2']);
    }
    // The cron is not a visitor: its render of the show page recorded no view (the queue delivers within ms).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const views = (await sql().query(
      `select count(*)::int as n from analytics_events where kind = 'show_view' and show_id = $1`,
      [show.id],
    )) as { n: number }[];
    expect(views[0]!.n).toBe(0);
  });

  it('does nothing without PUBLIC_API_ORIGIN', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    const ctx = createExecutionContext();
    await worker.scheduled!(
      createScheduledController({ cron: TRENDING_CRON, scheduledTime: Date.now() }),
      { ...cached, PUBLIC_API_ORIGIN: '', LOG_LEVEL: 'info' },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const warming = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.job === 'cache warming');
    expect(warming).toMatchObject({ msg: 'cron job ok', skipped: 'PUBLIC_API_ORIGIN is not set' });
    expect(warming).not.toHaveProperty('requested');
  });
});
