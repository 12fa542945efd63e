/**
 * The demo's finished shows get an actual setlist (scripts/seed/actual-setlists.ts), deterministically and once,
 * and the demo fan has votes on some of them, so that finalisation has something to score for him.
 */
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../scripts/db/migrate';
import { seedActualSetlists, showsToFinalize } from '../../scripts/seed/actual-setlists';
import { type SqlExecutor, seedDatabase } from '../../scripts/seed/index';

let db: PGlite;
const one = async <T>(sql: string) => (await db.query<T>(sql)).rows[0]!;

beforeAll(async () => {
  db = new PGlite({ extensions: { pg_trgm, unaccent } });
  await applyMigrations(db);
  await seedDatabase(db as unknown as SqlExecutor, {
    now: new Date('2026-06-01T00:00:00Z'),
    counts: { artists: 6, venues: 20, users: 60, shows: 80 },
  });
}, 120_000);
afterAll(() => db?.close());

describe('seedActualSetlists', () => {
  it('gives every completed show an actual setlist in play order, not yet final, and the demo fan votes', async () => {
    const first = await seedActualSetlists(db as unknown as SqlExecutor);
    const { completed } = await one<{ completed: number }>(
      `select count(*)::int as completed from shows where status = 'completed'`,
    );
    expect(completed).toBeGreaterThan(0);
    expect(first.shows).toBe(completed);
    // Positions 1..n without gaps, each song once, a mix of predicted and unpredicted songs.
    const bad = await one<{ n: number }>(
      `select count(*)::int as n from (select show_id from played_songs group by show_id
         having max(position) <> count(*) or count(distinct song_id) <> count(*)) t`,
    );
    expect(bad.n).toBe(0);
    const mix = await one<{ predicted: number; surprise: number }>(
      `select count(*) filter (where exists (select 1 from setlist_songs s where s.show_id = p.show_id and s.song_id = p.song_id))::int as predicted,
              count(*) filter (where not exists (select 1 from setlist_songs s where s.show_id = p.show_id and s.song_id = p.song_id))::int as surprise
       from played_songs p`,
    );
    expect(mix.predicted).toBeGreaterThan(0);
    expect(mix.surprise).toBeGreaterThan(0);
    expect((await showsToFinalize(db as unknown as SqlExecutor)).length).toBe(completed);
    // The vote_count cache stays equal to the active votes.
    const drift = await one<{ n: number }>(
      `select count(*)::int as n from setlist_songs ss
       where ss.vote_count <> (select count(*) from votes v where v.setlist_song_id = ss.id and v.active)`,
    );
    expect(drift.n).toBe(0);
  });

  it('points every artist image at the generated artwork of the api, never an outside host', async () => {
    const outside = await one<{ n: number }>(
      `select count(*)::int as n from artists where image_url not like '/art/%.svg'`,
    );
    expect(outside.n).toBe(0);
  });

  it('changes nothing when run again', async () => {
    const before = await one<{ n: number }>('select count(*)::int as n from played_songs');
    expect(await seedActualSetlists(db as unknown as SqlExecutor)).toEqual({ shows: 0, playedSongs: 0, demoVotes: 0 });
    expect(await one<{ n: number }>('select count(*)::int as n from played_songs')).toEqual(before);
  });
});
