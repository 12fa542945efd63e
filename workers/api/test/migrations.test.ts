import { describe, expect, it } from 'vitest';
import journal from '../../../migrations/meta/_journal.json';
import { sql } from './support';

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
    const tables = (await sql().query(
      `select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    )) as { table_name: string }[];
    expect(tables.map((t) => t.table_name)).toEqual(
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
    const uniques = (await sql().query(
      `select indexname from pg_indexes where schemaname = 'public' and indexdef like 'CREATE UNIQUE%' order by 1`,
    )) as { indexname: string }[];
    expect(uniques.map((u) => u.indexname)).toEqual(
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
