/**
 * GET /v1/search, search analytics (through the real ANALYTICS queue into analytics_events) and the admin
 * search statistics.
 *
 * Requests go to the app in-process with the worker's real bindings (see authorization-matrix.test.ts: the
 * loopback fetch slows down with every request). Fixture names are the real-world ones the cases are about
 * ("Beyoncé", "Metallica", a venue in "Zürich"); assertions look for this file's rows by id, so rows of other
 * files (or a second "Metallica") cannot break them. Queries counted by the statistics carry a random word.
 */

import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import * as schema from '#shared/db/schema';
import type { SearchResponse, SearchStats } from '#shared/schemas/search';
import { createApp } from '../src/app';
import { normalizeQuery, prefixPattern } from '../src/search/catalogue';
import { eventually, signUp, signUpAs, sql, testDb } from './support';

const app = createApp();
const DAY = 86_400_000;

/** One in-process request; waits for its waitUntil work (the analytics send) before returning. */
async function call(path: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<Response> {
  const headers = new Headers({ 'CF-Connecting-IP': '192.0.2.77' });
  if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
  if (init.body !== undefined) headers.set('Content-Type', 'application/json');
  const ctx = createExecutionContext();
  const res = await app.request(
    path,
    { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) },
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

async function search(q: string, limit?: number): Promise<SearchResponse> {
  const res = await call(`/v1/search?q=${encodeURIComponent(q)}${limit ? `&limit=${limit}` : ''}`);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as SearchResponse;
}

/** A random lower-case word without hex digits, so it cannot be similar to the uuid-tagged names of other tests. */
const randomWord = (length = 9) =>
  Array.from(crypto.getRandomValues(new Uint8Array(length)), (b) => 'ghjkmnpqrstvwxyz'[b % 16]).join('');

const tag = crypto.randomUUID().slice(0, 8);
let beyonce: schema.Artist;
let metallica: schema.Artist;
let brokenCrystal: schema.Artist;
let zurich: schema.Venue;
let upcomingShow: schema.Show;
let pastShow: schema.Show;
let cancelledShow: schema.Show;
let wildPony: schema.Artist;
let ponyBarn: schema.Venue;
let grangeHall: schema.Venue;
let concertHall: schema.Venue;
let osloShow: schema.Show;

beforeAll(async () => {
  const db = testDb();
  const artists = await db
    .insert(schema.artists)
    .values([
      { slug: `beyonce-${tag}`, name: 'Beyoncé', genres: ['pop', 'r&b'], popularity: 90 },
      { slug: `metallica-${tag}`, name: 'Metallica', genres: ['metal'], popularity: 85 },
    ])
    .returning();
  [beyonce, metallica] = [artists[0]!, artists[1]!];
  const [crystal] = await db
    .insert(schema.artists)
    .values({ slug: `broken-crystal-${tag}`, name: 'Broken Crystal', genres: ['rock'], popularity: 40 })
    .returning();
  brokenCrystal = crystal!;
  const venues = await db
    .insert(schema.venues)
    .values({
      slug: `hallenstadion-${tag}`,
      name: 'Hallenstadion',
      city: 'Zürich',
      country: 'CH',
      timeZone: 'Europe/Zurich',
    })
    .returning();
  zurich = venues[0]!;
  const show = (artist: schema.Artist, days: number, status: schema.Show['status'], slug: string) => ({
    slug: `${slug}-${tag}`,
    artistId: artist.id,
    venueId: zurich!.id,
    startsAt: new Date(Date.now() + days * DAY),
    status,
    votingOpensAt: new Date(Date.now() + (days - 30) * DAY),
    votingClosesAt: new Date(Date.now() + days * DAY),
  });
  const shows = await db
    .insert(schema.shows)
    .values([
      show(metallica!, 10, 'upcoming', 'metallica-zurich'),
      show(beyonce!, -10, 'completed', 'beyonce-zurich'),
      show(metallica!, 20, 'cancelled', 'metallica-zurich-cancelled'),
    ])
    .returning();
  [upcomingShow, pastShow, cancelledShow] = [shows[0]!, shows[1]!, shows[2]!];

  // For full-text search: words that trigrams alone do not match ("ponies" and "pony" share 3 of 7 trigrams).
  [wildPony] = (await db
    .insert(schema.artists)
    .values({ slug: `wild-pony-parade-${tag}`, name: 'Wild Pony Parade', genres: ['indie'], popularity: 30 })
    .returning()) as [schema.Artist];
  [ponyBarn, grangeHall, concertHall] = (await db
    .insert(schema.venues)
    .values([
      { slug: `pony-barn-${tag}`, name: 'Pony Barn', city: 'Oslo', country: 'NO', timeZone: 'Europe/Oslo' },
      { slug: `grange-hall-${tag}`, name: 'Grange Hall', city: 'Pony', country: 'US', timeZone: 'America/Denver' },
      {
        slug: `perth-concert-hall-${tag}`,
        name: 'Perth Concert Hall',
        city: 'Perth',
        country: 'GB',
        timeZone: 'Europe/London',
      },
    ])
    .returning()) as [schema.Venue, schema.Venue, schema.Venue];
  // Metallica's next show is in Oslo; the one in Zürich comes after it.
  [osloShow] = (await db
    .insert(schema.shows)
    .values({ ...show(metallica, 5, 'upcoming', 'metallica-oslo'), venueId: ponyBarn.id })
    .returning()) as [schema.Show];
});

describe('GET /v1/search', () => {
  it('ignores accents and case: "beyonce" and "BEYONCÉ" find Beyoncé first', async () => {
    for (const q of ['beyonce', 'BEYONCÉ', 'Beyoncé']) {
      const { query, results } = await search(q);
      expect(query).toBe(q);
      expect(results[0], q).toMatchObject({ type: 'artist', title: 'Beyoncé', score: 1 });
      expect(results.some((r) => r.id === beyonce.id)).toBe(true);
    }
  });

  it('tolerates typos: "metalica" and "metallicca" find Metallica first', async () => {
    for (const q of ['metalica', 'metallicca', 'netallica']) {
      const { results } = await search(q);
      expect(results[0], q).toMatchObject({ type: 'artist', title: 'Metallica' });
      expect(
        results.some((r) => r.id === metallica.id),
        q,
      ).toBe(true);
    }
  });

  it('finds a name by one of its words with one letter wrong: "crstal", "cristal", "brokn" find "Broken Crystal"', async () => {
    // Word similarity 0.5 and 0.45: below pg_trgm's default threshold (0.6), which found nothing for them.
    for (const q of ['crstal', 'cristal', 'crystl', 'brokn', 'BROKEN CRISTAL']) {
      const { results } = await search(q);
      expect(
        results.some((r) => r.type === 'artist' && r.id === brokenCrystal.id),
        q,
      ).toBe(true);
    }
  });

  it('matches prefixes as you type: "met", "metal", "metall" find Metallica; two letters match the start of names only', async () => {
    for (const q of ['met', 'metal', 'metall']) {
      const { results } = await search(q, 50);
      const hit = results.find((r) => r.id === metallica.id);
      expect(hit, q).toBeDefined();
      expect(hit!.score, q).toBeGreaterThanOrEqual(0.9);
    }
    const two = await search('me', 50);
    expect(two.results.some((r) => r.id === metallica.id)).toBe(true);
    expect(
      two.results.every(
        (r) =>
          r.type === 'show' || normalizeQuery(r.title).startsWith('me') || normalizeQuery(r.subtitle).startsWith('me'),
      ),
    ).toBe(true);
  });

  it('finds a venue by its city without the accent, and the shows there: upcoming before past, never cancelled', async () => {
    const { results } = await search('zurich', 50);
    const venue = results.find((r) => r.id === zurich.id);
    expect(venue).toMatchObject({ type: 'venue', title: 'Hallenstadion', subtitle: 'Zürich, CH', slug: zurich.slug });
    const upcoming = results.findIndex((r) => r.id === upcomingShow.id);
    const past = results.findIndex((r) => r.id === pastShow.id);
    expect(upcoming).toBeGreaterThan(results.indexOf(venue!));
    expect(past).toBeGreaterThan(upcoming);
    expect(results[upcoming]).toMatchObject({
      type: 'show',
      title: 'Metallica at Hallenstadion',
      slug: upcomingShow.slug,
    });
    expect(results[upcoming]!.subtitle).toMatch(/^Zürich, CH · \d{4}-\d{2}-\d{2}$/);
    expect(results.some((r) => r.id === cancelledShow.id)).toBe(false);
  });

  it('interleaves types by score: the artist first, then its shows, scores never increasing', async () => {
    const { results } = await search('metallica', 20);
    expect(results[0]).toMatchObject({ type: 'artist', id: metallica.id, score: 1 });
    expect(results.find((r) => r.id === upcomingShow.id)).toMatchObject({ type: 'show', score: 0.9 });
    for (let i = 1; i < results.length; i++) expect(results[i]!.score).toBeLessThanOrEqual(results[i - 1]!.score);
    for (const r of results) {
      expect(r.score).toBeGreaterThan(0);
      expect(r.score).toBeLessThanOrEqual(1);
    }
  });

  it('finds a show by its venue name with a typo', async () => {
    const { results } = await search('halenstadion', 50);
    expect(results.some((r) => r.id === zurich.id)).toBe(true);
    expect(results.some((r) => r.id === upcomingShow.id)).toBe(true);
  });

  it('honours limit, and answers nothing for nonsense', async () => {
    expect((await search('metallica', 1)).results).toHaveLength(1);
    expect((await search(`${randomWord()} ${randomWord()}`)).results).toEqual([]);
  });

  it('takes LIKE wildcards literally', async () => {
    expect(prefixPattern('50%_a\\b')).toBe('50\\%\\_a\\\\b%');
    for (const q of ['%', '_', '%%%', '_etallica']) {
      const { results } = await search(q, 50);
      expect(
        results.some((r) => r.id === metallica.id && r.score >= 0.9),
        q,
      ).toBe(false);
    }
  });

  it('rejects an empty, blank or too long query and a bad limit with 400', async () => {
    for (const path of [
      '/v1/search',
      '/v1/search?q=',
      '/v1/search?q=%20%20%20',
      `/v1/search?q=${'a'.repeat(101)}`,
      '/v1/search?q=metal&limit=0',
      '/v1/search?q=metal&limit=51',
    ]) {
      const res = await call(path);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
    }
    expect((await call(`/v1/search?q=${encodeURIComponent(` ${'a'.repeat(100)} `)}`)).status).toBe(200);
  });

  it('is never stored by the response cache, so that every search is counted', async () => {
    const first = await call('/v1/search?q=metallica');
    const second = await call('/v1/search?q=metallica');
    expect(first.headers.get('Cache-Control')).toBe('no-store');
    expect(second.headers.get('X-Cache')).toBeNull();
  });
});

describe('GET /v1/search: full-text search (stemming, ranked by where the words are)', () => {
  const indexOf = (results: SearchResponse['results'], id: string) => results.findIndex((r) => r.id === id);

  it('finds the forms of a word: "concerts" finds "Perth Concert Hall", "ponies" finds "Wild Pony Parade"', async () => {
    const concerts = await search('concerts', 50);
    expect(concerts.results.some((r) => r.id === concertHall.id)).toBe(true);
    // Trigram similarity alone does not find these: "ponies" and "pony" share 3 of their 7 trigrams.
    for (const q of ['ponies', 'PONIES', 'wild ponies']) {
      const { results } = await search(q, 50);
      expect(
        results.find((r) => r.id === wildPony.id),
        q,
      ).toMatchObject({ type: 'artist', title: 'Wild Pony Parade', score: 0.85 });
    }
  });

  it("ranks a name above a city, and more of the query's words above fewer", async () => {
    const { results } = await search('ponies', 50);
    // "Pony Barn" (the name) before "Grange Hall" in Pony (the city).
    expect(indexOf(results, ponyBarn.id)).toBeGreaterThanOrEqual(0);
    expect(indexOf(results, grangeHall.id)).toBeGreaterThan(indexOf(results, ponyBarn.id));
    expect(results[indexOf(results, ponyBarn.id)]!.score).toBeGreaterThan(
      results[indexOf(results, grangeHall.id)]!.score,
    );
    // Both words in the artist's name, one in the venue's.
    const both = (await search('wild ponies', 50)).results;
    expect(indexOf(both, ponyBarn.id)).toBeGreaterThan(indexOf(both, wildPony.id));
    for (let i = 1; i < both.length; i++) expect(both[i]!.score).toBeLessThanOrEqual(both[i - 1]!.score);
  });

  it('ranks the show whose artist and city are both in the query first: "metallica zürich"', async () => {
    for (const q of ['metallica zürich', 'Zurich METALLICA']) {
      const { results } = await search(q, 50);
      const zurichShow = indexOf(results, upcomingShow.id);
      expect(zurichShow, q).toBeGreaterThanOrEqual(0);
      // Above the artist itself and above its next show, in Oslo (sooner, but only the artist matches).
      expect(indexOf(results, metallica.id), q).toBeGreaterThan(zurichShow);
      expect(indexOf(results, osloShow.id), q).toBeGreaterThan(zurichShow);
    }
  });

  it('matches the last word as a prefix as you type, in any order', async () => {
    // Stop words ("the") are no full-text words: a query of stop words only still answers.
    expect((await search('the')).query).toBe('the');
    for (const q of ['parade wild po', 'pony para', 'wild pony par', 'the wild']) {
      const { results } = await search(q, 50);
      expect(
        results.some((r) => r.id === wildPony.id),
        q,
      ).toBe(true);
    }
  });
});

describe('search analytics', () => {
  const eventsOf = async (kind: string, query: string) =>
    (await sql().query(`select data, user_id, show_id from analytics_events where kind = $1 and data->>'query' = $2`, [
      kind,
      query,
    ])) as {
      data: Record<string, unknown>;
      user_id: string | null;
    }[];

  it('records each search, normalised, with its result count, through the analytics queue', async () => {
    const word = randomWord();
    const [artist] = await testDb()
      .insert(schema.artists)
      .values({ slug: `quorum-${tag}`, name: `Quörum ${word}` })
      .returning();
    const { results } = await search(`  QUÖRUM   ${word.toUpperCase()} `);
    expect(results[0]?.id).toBe(artist!.id);
    const rows = await eventually(async () => {
      const found = await eventsOf('search', `quorum ${word}`);
      return found.length ? found : undefined;
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.data).toEqual({ query: `quorum ${word}`, resultCount: results.length });
    expect(rows[0]!.user_id).toBeNull();
  });

  it('does not count as-you-type suggestions (suggest=true); a picked suggestion counts the search once, with its click', async () => {
    const word = randomWord();
    const [artist] = await testDb()
      .insert(schema.artists)
      .values({ slug: `suggested-${tag}`, name: `Suggested ${word}` })
      .returning();
    for (const prefix of [word.slice(0, 3), word.slice(0, 5), word])
      expect((await call(`/v1/search?q=${prefix}&suggest=true`)).status).toBe(200);
    const res = await call('/v1/search/clicks', {
      method: 'POST',
      body: { query: word, type: 'artist', id: artist!.id, resultCount: 1 },
    });
    expect(res.status).toBe(204);
    const clicks = await eventually(async () => {
      const found = await eventsOf('search_click', word);
      return found.length ? found : undefined;
    });
    expect(clicks).toHaveLength(1);
    const searches = await sql().query(
      `select data->>'query' as query, data->>'resultCount' as n from analytics_events where kind = 'search' and data->>'query' like $1`,
      [`${word.slice(0, 3)}%`],
    );
    expect(searches).toEqual([{ query: word, n: '1' }]);
  });

  it('records a click with POST /v1/search/clicks, for anyone', async () => {
    const word = randomWord();
    const fan = await signUp();
    const res = await call('/v1/search/clicks', {
      method: 'POST',
      token: fan.token,
      body: { query: ` Metallica ${word} `, type: 'artist', id: metallica.id },
    });
    expect(res.status).toBe(204);
    const rows = await eventually(async () => {
      const found = await eventsOf('search_click', `metallica ${word}`);
      return found.length ? found : undefined;
    });
    expect(rows[0]!.data).toEqual({ query: `metallica ${word}`, type: 'artist', id: metallica.id });
    expect(rows[0]!.user_id).toBeNull();
  });

  it('rejects a click on an unknown type, a bad id or a blank query', async () => {
    for (const body of [
      { query: 'x', type: 'song', id: metallica.id },
      { query: 'x', type: 'artist', id: 'nope' },
      { query: '  ', type: 'artist', id: metallica.id },
      { type: 'artist', id: metallica.id },
    ]) {
      expect((await call('/v1/search/clicks', { method: 'POST', body })).status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe('GET /v1/admin/search-stats', () => {
  it('shows the top queries with count, average results and click-through, and the queries without results', async () => {
    const word = randomWord();
    const nothing = `${randomWord()} ${randomWord()}`;
    const [artist] = await testDb()
      .insert(schema.artists)
      .values({ slug: `stats-${tag}`, name: `Stätsband ${word}` })
      .returning();
    // Three searches of one query (written three ways), one click on its result; two searches that find nothing.
    for (const q of [`statsband ${word}`, `Stätsband ${word}`, `STATSBAND  ${word}`])
      expect((await search(q)).results.length).toBeGreaterThan(0);
    expect(
      (
        await call('/v1/search/clicks', {
          method: 'POST',
          body: { query: `Statsband ${word}`, type: 'artist', id: artist!.id },
        })
      ).status,
    ).toBe(204);
    for (let i = 0; i < 2; i++) expect((await search(nothing)).results).toEqual([]);

    const admin = await signUpAs('admin');
    const stats = await eventually(async () => {
      const res = await call('/v1/admin/search-stats?days=7&limit=100', { token: admin.token });
      expect(res.status).toBe(200);
      const body = (await res.json()) as SearchStats;
      const top = body.topQueries.find((q) => q.query === `statsband ${word}`);
      const empty = body.noResultQueries.find((q) => q.query === nothing);
      return top?.searches === 3 && top.clicks === 1 && empty?.searches === 2 ? body : undefined;
    });
    expect(stats.days).toBe(7);
    expect(new Date(stats.to).getTime() - new Date(stats.from).getTime()).toBe(7 * DAY);
    const top = stats.topQueries.find((q) => q.query === `statsband ${word}`)!;
    expect(top.avgResults).toBeGreaterThanOrEqual(1);
    expect(top.clickThrough).toBeCloseTo(1 / 3, 3);
    expect(stats.topQueries.find((q) => q.query === nothing)).toMatchObject({
      searches: 2,
      avgResults: 0,
      clicks: 0,
      clickThrough: 0,
    });
    expect(stats.noResultQueries.some((q) => q.query === `statsband ${word}`)).toBe(false);
    expect(stats.totalSearches).toBeGreaterThanOrEqual(5);
    expect(stats.totalClicks).toBeGreaterThanOrEqual(1);
  });

  it('is for admins only, and validates days', async () => {
    const fan = await signUp();
    const admin = await signUpAs('admin');
    expect((await call('/v1/admin/search-stats')).status).toBe(401);
    expect((await call('/v1/admin/search-stats', { token: fan.token })).status).toBe(403);
    expect((await call('/v1/admin/search-stats?days=0', { token: admin.token })).status).toBe(400);
    expect((await call('/v1/admin/search-stats?days=91', { token: admin.token })).status).toBe(400);
  });
});
