/**
 * The key sets of the read benchmark, picked from the seeded database: many distinct show ids, artist slugs,
 * search terms, trending pages and feed pages, so that each URL is requested once in the COLD pass and the
 * response cache, the database's buffers and the rate limiters see realistic variety. Deterministic: the same
 * database gives the same keys (samples are ordered by md5 of the id, terms come from a seeded generator).
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import { withReplicas } from 'drizzle-orm/pg-core';
import type pg from 'pg';
import { toBase64Url } from '#shared/auth/bytes';
import type { Database } from '#shared/db/client';
import * as schema from '#shared/db/schema';
import { typo } from '../../scripts/explain/params';
import { SHARED_PASSWORD } from '../../scripts/seed/accounts';
import { recomputeTrending } from '../../workers/api/src/trending/recompute';
import type { EndpointName } from './args';

export interface KeySets {
  /** Paths (with query) per endpoint; feed paths are per user (index into `users`). */
  show: string[];
  artist: string[];
  search: string[];
  trending: string[];
  feed: { path: string; user: number }[];
  /** Generated fans who log in for the feed (all share the seed's password). */
  users: { email: string; password: string }[];
}

/** A small seeded PRNG (mulberry32), so the terms are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Same encoding as workers/api/src/http/pagination.ts encodeCursor. */
const cursor = (c: { k: string; id: string }) => toBase64Url(new TextEncoder().encode(JSON.stringify(c)));

/**
 * After a fresh seed trending_scores is empty (the cron computes it every 10 minutes in production): run the
 * cron's own recompute once, so /v1/trending has the ranking it would have in production. Returns what it did.
 */
export async function ensureTrending(client: pg.Client): Promise<string | undefined> {
  const { rows } = await client.query<{ n: string }>('select count(*) as n from trending_scores');
  if (Number(rows[0]?.n) > 0) return undefined;
  const db = drizzle({ client, schema });
  const result = await recomputeTrending(withReplicas(db, [db]) as unknown as Database);
  await client.query('ANALYZE trending_scores');
  return `trending_scores was empty: ran the cron's recomputeTrending once (${result.shows.scored} shows, ${result.artists.scored} artists scored)`;
}

export async function pickKeys(
  client: pg.Client,
  counts: Record<EndpointName, number>,
  users: number,
): Promise<KeySets> {
  const q = async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as T[];
  const random = prng(7);

  // Show pages: mostly upcoming and live shows (the ones fans open to vote), a fifth past ones.
  const upcoming = Math.ceil(counts.show * 0.8);
  const showIds = [
    ...(await q<{ id: string }>(
      `select id from shows where status in ('upcoming', 'live') order by md5(id::text) limit $1`,
      [upcoming],
    )),
    ...(await q<{ id: string }>(
      `select id from shows where status in ('completed', 'cancelled') order by md5(id::text) limit $1`,
      [counts.show - upcoming],
    )),
  ].map((r) => `/v1/shows/${r.id}`);

  // Artist pages: half the most popular artists (first: the most requested in WARM), half a sample of the rest.
  const artists = await q<{ slug: string; name: string }>(
    `(select slug, name from artists order by popularity desc, id limit $1)
     union all
     (select slug, name from artists order by md5(id::text) limit $2)`,
    [Math.ceil(counts.artist / 2), counts.artist],
  );
  const artistPaths = [...new Set(artists.map((a) => `/v1/artists/${a.slug}`))].slice(0, counts.artist);

  // Search: what people type — prefixes of artist names (as-you-type), whole names, names with a typo,
  // cities, venue names. Distinct terms only.
  const venues = await q<{ name: string; city: string }>(
    `select name, city from venues order by md5(id::text) limit 500`,
  );
  const terms = new Set<string>();
  const names = artists.map((a) => a.name);
  for (let i = 0; terms.size < counts.search && i < counts.search * 20; i++) {
    const r = random();
    const name = names[Math.floor(random() * names.length)] ?? 'the';
    const venue = venues[Math.floor(random() * venues.length)];
    let term: string;
    if (r < 0.45) term = name.slice(0, 2 + Math.floor(random() * 6));
    else if (r < 0.65) term = name;
    else if (r < 0.8) term = typo(name);
    else if (r < 0.9) term = venue?.city ?? 'london';
    else term = venue?.name.slice(0, 3 + Math.floor(random() * 8)) ?? 'arena';
    term = term.trim().toLowerCase();
    if (term) terms.add(term);
  }
  const searchPaths = [...terms].map((t) => `/v1/search?q=${encodeURIComponent(t)}`);

  // Trending: pages 1..n of the ranking at three page sizes, the cursors computed as the API issues them.
  const trending: string[] = [];
  const ranked = await q<{ score: number; id: string; n: string }>(
    `select score, entity_id as id, row_number() over (order by score desc, entity_id) as n
       from trending_scores where entity_type = 'show' order by score desc, entity_id limit 5000`,
  );
  for (let page = 0; trending.length < counts.trending; page++) {
    let added = false;
    for (const limit of [20, 10, 50]) {
      if (trending.length >= counts.trending) break;
      if (page === 0) {
        trending.push(`/v1/trending/shows?limit=${limit}`);
        added = true;
        continue;
      }
      const last = ranked[page * limit - 1];
      if (!last) continue;
      trending.push(`/v1/trending/shows?limit=${limit}&cursor=${cursor({ k: String(last.score), id: last.id })}`);
      added = true;
    }
    if (!added) break;
  }

  // Feed: generated fans who follow the most artists with upcoming shows; page sizes vary per request.
  const fans = await q<{ email: string }>(
    `select u.email from users u
      where u.email like '%@example.%'
      order by (select count(*) from follows f where f.user_id = u.id) desc, md5(u.id::text)
      limit $1`,
    [users],
  );
  const feed: KeySets['feed'] = [];
  for (let i = 0; feed.length < counts.feed && i < counts.feed * 2; i++) {
    const user = i % fans.length;
    const limit = 5 + (Math.floor(i / fans.length) % 46);
    feed.push({ path: `/v1/me/feed?limit=${limit}`, user });
  }

  return {
    show: showIds,
    artist: artistPaths,
    search: searchPaths,
    trending,
    feed,
    users: fans.map((f) => ({ email: f.email, password: SHARED_PASSWORD })),
  };
}
