import { describe, expect, it } from 'vitest';
import { addSong, castVote } from './setlist-support';
import { api, createShow, errorOf, eventually, joinRoom, signUp, signUpAs, sql } from './support';

/** A show with one song on its setlist, a moderator, a fan, and a socket that has the room's snapshot. */
async function watchedShow() {
  const { show, songs } = await createShow();
  const [moderator, fan] = await Promise.all([signUpAs('moderator'), signUp()]);
  const setlistSongId = await addSong(show.id, songs[0]!.id, fan.token);
  const watcher = await joinRoom(show.id);
  return { show, moderator, fan, setlistSongId, watcher };
}

describe('moderating a room', () => {
  it('locks and unlocks voting; every socket hears the status change', async () => {
    const { show, moderator, fan, setlistSongId, watcher } = await watchedShow();

    const lock = await api(`/v1/shows/${show.id}/lock`, {
      method: 'PUT',
      token: moderator.token,
      body: JSON.stringify({ locked: true }),
    });
    expect(lock.status).toBe(200);
    expect(await watcher.next((m) => m.type === 'status')).toMatchObject({
      type: 'status',
      locked: true,
      votingOpen: false,
    });
    const refused = await castVote(show.id, setlistSongId, fan.token);
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).code).toBe('voting_closed');

    await api(`/v1/shows/${show.id}/lock`, {
      method: 'PUT',
      token: moderator.token,
      body: JSON.stringify({ locked: false }),
    });
    expect(await watcher.next((m) => m.type === 'status')).toMatchObject({ locked: false, votingOpen: true });
    const accepted = await castVote(show.id, setlistSongId, fan.token);
    expect(accepted.status).toBe(201);
    watcher.close();
  });

  it('is for moderators and admins only', async () => {
    const { show } = await createShow();
    const fan = await signUp();
    expect(
      (await api(`/v1/shows/${show.id}/lock`, { method: 'PUT', body: JSON.stringify({ locked: true }) })).status,
    ).toBe(401);
    const forbidden = await api(`/v1/shows/${show.id}/lock`, {
      method: 'PUT',
      token: fan.token,
      body: JSON.stringify({ locked: true }),
    });
    expect(forbidden.status).toBe(403);
    const admin = await signUpAs('admin');
    expect(
      (
        await api(`/v1/shows/${show.id}/lock`, {
          method: 'PUT',
          token: admin.token,
          body: JSON.stringify({ locked: true }),
        })
      ).status,
    ).toBe(200);
  });
});

describe('a room with no storage yet', () => {
  it('loads the setlist and votes that Postgres already has', async () => {
    const { show, songs } = await createShow();
    const fans = await Promise.all([signUp(), signUp(), signUp()]);
    const [first, second] = [crypto.randomUUID(), crypto.randomUUID()];
    await sql().query(
      'insert into setlist_songs (id, show_id, song_id, vote_count) values ($1, $2, $3, 3), ($4, $2, $5, 1)',
      [first, show.id, songs[0]!.id, second, songs[1]!.id],
    );
    await sql().query(
      `insert into votes (id, user_id, setlist_song_id, show_id, room_seq) values
         (gen_random_uuid(), $1, $4, $6, 7), (gen_random_uuid(), $2, $4, $6, 8), (gen_random_uuid(), $3, $4, $6, 9), (gen_random_uuid(), $1, $5, $6, 10)`,
      [fans[0]!.user.id, fans[1]!.user.id, fans[2]!.user.id, first, second, show.id],
    );
    const view = (await (await api(`/v1/shows/${show.id}/setlist`, { token: fans[0]!.token })).json()) as {
      songs: { setlistSongId: string; votes: number }[];
      myVotes: string[];
    };
    expect(view.songs.map((s) => [s.setlistSongId, s.votes])).toEqual([
      [first, 3],
      [second, 1],
    ]);
    expect(view.myVotes.sort()).toEqual([first, second].sort());
    // The fan's existing vote is known to the room: voting again is refused.
    const again = await castVote(show.id, first, fans[1]!.token);
    expect(again.status).toBe(409);
    // New events continue the sequence after the highest one Postgres has, so they win over old rows.
    const unvote = await api(`/v1/shows/${show.id}/votes/${first}`, { method: 'DELETE', token: fans[1]!.token });
    expect(unvote.status).toBe(204);
    const row = await eventually(async () => {
      const rows = (await sql().query(
        'select active, room_seq::int as seq from votes where user_id = $1 and setlist_song_id = $2',
        [fans[1]!.user.id, first],
      )) as { active: boolean; seq: number }[];
      return rows[0]?.active === false ? rows[0] : undefined;
    });
    expect(row.seq).toBe(11);
  });

  it('keeps the lock in Postgres, where a room rebuilt from Postgres finds it', async () => {
    const { show } = await createShow();
    const moderator = await signUpAs('moderator');
    const lockedInPostgres = async () =>
      ((await sql().query('select locked from shows where id = $1', [show.id])) as { locked: boolean }[])[0]!.locked;
    expect(await lockedInPostgres()).toBe(false);
    const lock = (locked: boolean) =>
      api(`/v1/shows/${show.id}/lock`, { method: 'PUT', token: moderator.token, body: JSON.stringify({ locked }) });
    expect((await lock(true)).status).toBe(200);
    expect(await lockedInPostgres()).toBe(true);
    expect((await lock(false)).status).toBe(200);
    expect(await lockedInPostgres()).toBe(false);
  });

  it('brings an edited voting window to a room that is already loaded', async () => {
    const { show, moderator, fan, setlistSongId, watcher } = await watchedShow();

    // The window closes (it now ends a minute ago): the loaded room must refuse votes and tell its sockets.
    const closesAt = new Date(Date.now() - 60_000).toISOString();
    const opensAt = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const patched = await api(`/v1/admin/shows/${show.id}`, {
      method: 'PATCH',
      token: moderator.token,
      body: JSON.stringify({ votingOpensAt: opensAt, votingClosesAt: closesAt }),
    });
    expect(patched.status).toBe(200);
    expect(await watcher.next((m) => m.type === 'status')).toMatchObject({ votingOpen: false });
    const refused = await castVote(show.id, setlistSongId, fan.token);
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).code).toBe('voting_closed');

    // And opens again.
    await api(`/v1/admin/shows/${show.id}`, {
      method: 'PATCH',
      token: moderator.token,
      body: JSON.stringify({ votingClosesAt: new Date(Date.now() + 86_400_000).toISOString() }),
    });
    expect(await watcher.next((m) => m.type === 'status')).toMatchObject({ votingOpen: true });
    const accepted = await castVote(show.id, setlistSongId, fan.token);
    expect(accepted.status).toBe(201);
    watcher.close();
  });
});
