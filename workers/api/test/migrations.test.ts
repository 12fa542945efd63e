import { describe, expect, it } from 'vitest';
import journal from '../../../migrations/meta/_journal.json';
import { sql } from './support';

/** The `name` column of a catalogue query's rows. */
async function names(query: string): Promise<string[]> {
  return ((await sql().query(query)) as { name: string }[]).map((r) => r.name);
}

/**
 * The global setup builds this run's database from nothing with drizzle's migrator; here we check,
 * through the Neon driver, that every migration in the journal was applied and the schema is whole.
 */
describe('migrations', () => {
  it('applied every migration in the journal, in order, from an empty database', async () => {
    const applied = (await sql().query(
      'select hash, created_at from drizzle.__drizzle_migrations order by created_at',
    )) as { created_at: string }[];
    expect(applied.map((m) => Number(m.created_at))).toEqual(journal.entries.map((e) => e.when));
  });

  it('created the domain tables with their unique constraints', async () => {
    const tables = await names(
      `select table_name as name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect(tables).toEqual(
      expect.arrayContaining([
        'users',
        'sessions',
        'artists',
        'songs',
        'venues',
        'shows',
        'setlist_songs',
        'votes',
        'follows',
        'dead_letters',
        'notifications',
        'analytics_events',
      ]),
    );
    const uniques = await names(
      `select indexname as name from pg_indexes where schemaname = 'public' and indexdef like 'CREATE UNIQUE%' order by 1`,
    );
    expect(uniques).toEqual(
      expect.arrayContaining([
        'users_email_key',
        'artists_spotify_id_key',
        'artists_ticketmaster_id_key',
        'artists_musicbrainz_id_key',
        'setlist_songs_show_song_key',
        'votes_user_setlist_song_key',
      ]),
    );
  });
});
