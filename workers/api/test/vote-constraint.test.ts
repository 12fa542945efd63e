import { describe, expect, inject, it } from 'vitest';
import { createShow, signUp, sql } from './support';

/**
 * The database itself refuses a second vote by the same fan for the same song, whatever the code
 * above it does. Locking behaviour is only meaningful on a real server (PGlite serialises everything),
 * so the concurrent part runs when TEST_DATABASE_URL is set, as in CI's second pass.
 */
describe('the unique vote constraint', () => {
  async function setlistSong() {
    const { show, songs } = await createShow();
    const fan = await signUp();
    const setlistSongId = crypto.randomUUID();
    await sql().query('insert into setlist_songs (id, show_id, song_id) values ($1, $2, $3)', [
      setlistSongId,
      show.id,
      songs[0]!.id,
    ]);
    return { show, fan, setlistSongId };
  }

  const insertVote = (showId: string, userId: string, setlistSongId: string) =>
    sql().query('insert into votes (id, user_id, setlist_song_id, show_id) values ($1, $2, $3, $4)', [
      crypto.randomUUID(),
      userId,
      setlistSongId,
      showId,
    ]);

  it('refuses a second vote row for the same fan and song', async () => {
    const { show, fan, setlistSongId } = await setlistSong();
    await insertVote(show.id, fan.user.id, setlistSongId);
    await expect(insertVote(show.id, fan.user.id, setlistSongId)).rejects.toMatchObject({ code: '23505' });
  });

  it.runIf(inject('databaseMode') === 'postgres')('holds under 20 concurrent inserts on a real server', async () => {
    const { show, fan, setlistSongId } = await setlistSong();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => insertVote(show.id, fan.user.id, setlistSongId)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected'))
      expect(r.reason).toMatchObject({ code: '23505' });
    const rows = (await sql().query('select count(*)::int as n from votes where setlist_song_id = $1', [
      setlistSongId,
    ])) as { n: number }[];
    expect(rows[0]!.n).toBe(1);
  });
});
