import { describe, expect, it } from 'vitest';
import * as schema from '#shared/db/schema';
import { api, createShow, errorOf, sql, testDb } from './support';

interface ShowPage {
  items: { id: string; startsAt: string; artist: { id: string } }[];
  nextCursor: string | null;
}

describe('GET /v1/shows', () => {
  it('lists shows soonest first and pages through them with a cursor', async () => {
    const { artist } = await createShow();
    // Two more shows of the same artist so that paging by artist is deterministic.
    const second = await createShow();
    const first = await api(`/v1/shows?limit=5`);
    expect(first.status).toBe(200);
    const page = (await first.json()) as ShowPage;
    expect(page.items.length).toBeGreaterThan(0);
    const starts = page.items.map((s) => s.startsAt);
    expect([...starts].sort()).toEqual(starts);

    const byArtist = (await (await api(`/v1/shows?artistId=${artist.id}&limit=1`)).json()) as ShowPage;
    expect(byArtist.items).toHaveLength(1);
    expect(byArtist.items[0]!.artist.id).toBe(artist.id);
    expect(byArtist.nextCursor).toBeNull();
    expect(second.artist.id).not.toBe(artist.id);
  });

  it('walks every page without repeats', async () => {
    await Promise.all([createShow(), createShow(), createShow()]);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 100; i++) {
      const res = await api(`/v1/shows?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      const page = (await res.json()) as ShowPage;
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('pages through starts written by Postgres itself (microseconds on a real server) without repeating one', async () => {
    const { show, artist } = await createShow();
    const twin = await api(`/v1/shows?artistId=${artist.id}`).then(
      async (r) => ((await r.json()) as ShowPage).items[0]!,
    );
    await sql().query(
      `insert into shows (slug, artist_id, venue_id, starts_at, voting_opens_at, voting_closes_at)
       select slug || '-twin', artist_id, venue_id, now() + interval '1 day', now() - interval '1 day', now() + interval '1 day' from shows where id = $1`,
      [twin.id],
    );
    await sql().query(
      `update shows set starts_at = now() + interval '2 days', voting_closes_at = now() + interval '2 days' where id = $1`,
      [show.id],
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 5; i++) {
      const page = (await (
        await api(`/v1/shows?artistId=${artist.id}&limit=1${cursor ? `&cursor=${cursor}` : ''}`)
      ).json()) as ShowPage;
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toHaveLength(2);
    expect(new Set(seen).size).toBe(2);
  });

  it('rejects bad filters with 400 and a forged cursor with 422', async () => {
    const bad = await api('/v1/shows?limit=0&status=maybe');
    expect(bad.status).toBe(400);
    const error = await errorOf(bad);
    expect(error.code).toBe('validation_failed');
    expect(JSON.stringify(error.details)).toContain('status');
    const forged = await api('/v1/shows?cursor=bm90LWEtY3Vyc29y');
    expect(forged.status).toBe(422);
    expect((await errorOf(forged)).code).toBe('invalid_cursor');
  });
});

describe('GET /v1/shows?sort=trending', () => {
  it('lists scored shows by score, then the unscored ones, across pages without repeats', async () => {
    const { artist, venue } = await createShow();
    // Two more shows of the same artist and venue; only the middle one gets a trending score.
    const db = testDb();
    const extra = await db
      .insert(schema.shows)
      .values(
        [1, 2].map((n) => ({
          slug: `trend-${n}-${crypto.randomUUID().slice(0, 8)}`,
          artistId: artist.id,
          venueId: venue.id,
          startsAt: new Date(Date.now() + n * 86_400_000),
          votingOpensAt: new Date(Date.now() - 86_400_000),
          votingClosesAt: new Date(Date.now() + n * 86_400_000),
        })),
      )
      .returning({ id: schema.shows.id });
    const hot = extra[1]!.id;
    await db.insert(schema.trendingScores).values({ entityType: 'show', entityId: hot, score: 42, components: {} });
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await api(
        `/v1/shows?sort=trending&artistId=${artist.id}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      const page = (await res.json()) as ShowPage;
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toHaveLength(3);
    expect(seen[0]).toBe(hot);
    expect(new Set(seen).size).toBe(3);
    // The unscored ones follow in id order.
    expect(seen.slice(1)).toEqual([...seen.slice(1)].sort());
  });
});
