import { describe, expect, it } from 'vitest';
import { artistTotalsOf } from './rollup-support';
import { addSong, castVote, finalize, markPlayed } from './setlist-support';
import { api, createShow, eventually, signUp, signUpAs, sql } from './support';

/**
 * Recovery after a database restore (docs/operations.md, "Recovery"), through the real api, rooms, queue and
 * consumer: a restore is simulated by putting rows back the way an older backup held them.
 */
const json = (body: unknown) => JSON.stringify(body);

async function vote(showId: string, token: string, setlistSongId: string): Promise<void> {
  expect((await castVote(showId, setlistSongId, token)).status).toBe(201);
}

async function activeVoters(setlistSongId: string): Promise<string[]> {
  const rows = (await sql().query(
    'select user_id::text as u from votes where setlist_song_id = $1 and active order by 1',
    [setlistSongId],
  )) as { u: string }[];
  return rows.map((r) => r.u);
}

describe('the rooms recheck on an operator request', () => {
  it('puts back the votes and retractions a restored Postgres lacks, even when the counts agree', async () => {
    const { show, songs } = await createShow({ songs: 2 });
    const admin = await signUpAs('admin');
    const fans = await Promise.all(Array.from({ length: 6 }, () => signUp()));
    const entry = await addSong(show.id, songs[0]!.id, fans[0]!.token);
    for (const fan of fans) await vote(show.id, fan.token, entry);
    // The last fan takes it back: the room holds 5 active votes (fans 0–4).
    expect((await api(`/v1/shows/${show.id}/votes/${entry}`, { method: 'DELETE', token: fans[5]!.token })).status).toBe(
      204,
    );
    const want = fans
      .slice(0, 5)
      .map((f) => f.user.id)
      .sort();
    await eventually(async () => ((await activeVoters(entry)).join() === want.join() ? true : undefined));
    // Let the room confirm its events and run its own count check, so nothing is in flight any more.
    await eventually(async () => {
      const res = await api('/v1/admin/recovery/recheck', {
        method: 'POST',
        token: admin.token,
        body: json({ showIds: [show.id] }),
      });
      const body = (await res.json()) as { compared: number; repairs: number };
      return body.compared === 1 && body.repairs === 0 ? true : undefined;
    });

    // "Restored from a backup taken earlier": fan 4's vote came after it (its row is missing), and so did
    // fan 5's retraction (its row is still active). The counts still agree: 5 and 5.
    await sql().query('delete from votes where setlist_song_id = $1 and user_id = $2', [entry, fans[4]!.user.id]);
    await sql().query('update votes set active = true, room_seq = 1 where setlist_song_id = $1 and user_id = $2', [
      entry,
      fans[5]!.user.id,
    ]);
    await sql().query('update setlist_songs set vote_count = 5 where id = $1', [entry]);

    const res = await api('/v1/admin/recovery/recheck', {
      method: 'POST',
      token: admin.token,
      body: json({ showIds: [show.id] }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      rooms: 1,
      compared: 1,
      repairs: 2,
      repaired: [{ showId: show.id, repairs: 2 }],
      unsettled: [],
      failed: [],
    });
    await eventually(async () => ((await activeVoters(entry)).join() === want.join() ? true : undefined));
    const [count] = (await sql().query('select vote_count from setlist_songs where id = $1', [entry])) as {
      vote_count: number;
    }[];
    expect(count!.vote_count).toBe(5);

    // Idempotent: once Postgres holds the repairs, a second recheck finds nothing to write.
    const again = await eventually(async () => {
      const r = await api('/v1/admin/recovery/recheck', {
        method: 'POST',
        token: admin.token,
        body: json({ showIds: [show.id] }),
      });
      const body = (await r.json()) as { compared: number; repairs: number };
      return body.compared === 1 ? body : undefined;
    });
    expect(again.repairs).toBe(0);
    expect((await activeVoters(entry)).join()).toBe(want.join());
  });

  it('never wakes a room that holds nothing, and ignores ids that are no show', async () => {
    const { show } = await createShow();
    const admin = await signUpAs('admin');
    const res = await api('/v1/admin/recovery/recheck', {
      method: 'POST',
      token: admin.token,
      body: json({ showIds: [show.id, crypto.randomUUID()] }),
    });
    expect(await res.json()).toMatchObject({ rooms: 1, compared: 0, repairs: 0, failed: [], next: null });
    const bad = await api('/v1/admin/recovery/recheck', {
      method: 'POST',
      token: admin.token,
      body: json({ showIds: ['not-a-uuid'] }),
    });
    expect(bad.status).toBe(400);
  });
});

describe('the rebuild of derived tables', () => {
  it('recomputes vote counts, scores, fan totals and trending from the vote rows, idempotently', async () => {
    const { show, songs } = await createShow({ songs: 3 });
    const [admin, moderator] = await Promise.all([signUpAs('admin'), signUpAs('moderator')]);
    const fans = await Promise.all(Array.from({ length: 3 }, () => signUp()));
    const a = await addSong(show.id, songs[0]!.id, fans[0]!.token);
    const b = await addSong(show.id, songs[1]!.id, fans[0]!.token);
    for (const fan of fans) await vote(show.id, fan.token, a);
    await vote(show.id, fans[0]!.token, b);
    await eventually(async () => {
      const rows = (await sql().query('select count(*)::int as n from votes where show_id = $1 and active', [
        show.id,
      ])) as { n: number }[];
      return rows[0]!.n === 4 ? true : undefined;
    });
    expect((await markPlayed(show.id, moderator.token, { songId: songs[0]!.id })).status).toBe(201);
    expect((await finalize(show.id, moderator.token)).status).toBe(200);
    const ids = fans.map((f) => f.user.id);
    const snapshot = async () => ({
      counts: await sql().query('select id::text, vote_count from setlist_songs where show_id = $1 order by id', [
        show.id,
      ]),
      scores: await sql().query(
        'select user_id::text, points, songs_hit, songs_voted from fan_scores where show_id = $1 order by user_id',
        [show.id],
      ),
      accuracy: await sql().query('select score, top_n from show_accuracy where show_id = $1', [show.id]),
      totals: await sql().query(
        'select user_id::text, points, shows, songs_hit from fan_totals where user_id = any($1::uuid[]) order by user_id',
        [ids],
      ),
      artistBoards: await artistTotalsOf(ids),
    });
    const before = await snapshot();
    expect(before.scores).toHaveLength(3);
    expect(before.artistBoards).toHaveLength(12);

    // What a restore leaves: caches from another moment than the rows they summarise.
    await sql().query('update setlist_songs set vote_count = 99 where show_id = $1', [show.id]);
    await sql().query('delete from fan_scores where show_id = $1', [show.id]);
    await sql().query('delete from show_accuracy where show_id = $1', [show.id]);
    await sql().query('update fan_totals set points = 12345, shows = 7 where user_id = any($1::uuid[])', [ids]);
    await sql().query("delete from trending_scores where entity_type = 'show' and entity_id = $1", [show.id]);
    // A fan who scored nowhere, with totals from another moment (no show's rescoring touches them).
    const bystander = await signUp();
    await sql().query('insert into fan_totals (user_id, points, shows, songs_hit) values ($1, 500, 1, 1)', [
      bystander.user.id,
    ]);
    await sql().query(
      'insert into fan_artist_totals (artist_id, user_id, points, shows, songs_hit) values ($1, $2, 500, 1, 1)',
      [show.artistId, bystander.user.id],
    );

    const res = await api('/v1/admin/recovery/rebuild', { method: 'POST', token: admin.token });
    expect(res.status).toBe(200);
    const result = (await res.json()) as {
      voteCountsFixed: number;
      showsRescored: number;
      fanTotalsFixed: number;
      artistLeaderboardRows: number;
    };
    expect(result.voteCountsFixed).toBeGreaterThanOrEqual(2);
    expect(result.artistLeaderboardRows).toBeGreaterThanOrEqual(before.artistBoards.length);
    expect(result.showsRescored).toBeGreaterThanOrEqual(1);
    expect(result.fanTotalsFixed).toBeGreaterThanOrEqual(1);
    expect(await snapshot()).toEqual(before);
    expect(
      await sql().query('select points, shows, songs_hit from fan_totals where user_id = $1', [bystander.user.id]),
    ).toEqual([{ points: 0, shows: 0, songs_hit: 0 }]);
    expect(await artistTotalsOf([bystander.user.id])).toEqual([]);
    const trending = (await sql().query(
      "select score from trending_scores where entity_type = 'show' and entity_id = $1",
      [show.id],
    )) as { score: number }[];
    expect(trending[0]!.score).toBeGreaterThan(0);

    const again = await api('/v1/admin/recovery/rebuild', { method: 'POST', token: admin.token });
    expect(((await again.json()) as { voteCountsFixed: number }).voteCountsFixed).toBe(0);
    expect(await snapshot()).toEqual(before);
  });

  it('with the restore point, fans out again the notification triggers whose inbox rows the restore lost', async () => {
    const { show, songs } = await createShow({ songs: 2 });
    const [admin, moderator] = await Promise.all([signUpAs('admin'), signUpAs('moderator')]);
    const fans = await Promise.all(Array.from({ length: 2 }, () => signUp()));
    const a = await addSong(show.id, songs[0]!.id, fans[0]!.token);
    for (const fan of fans) await vote(show.id, fan.token, a);
    await eventually(async () => {
      const rows = (await sql().query('select count(*)::int as n from votes where show_id = $1 and active', [
        show.id,
      ])) as { n: number }[];
      return rows[0]!.n === 2 ? true : undefined;
    });
    await markPlayed(show.id, moderator.token, { songId: songs[0]!.id });
    expect((await finalize(show.id, moderator.token)).status).toBe(200);
    const inbox = async () =>
      (
        (await sql().query(
          `select count(*)::int as n from notifications where user_id = any($1::uuid[]) and kind = 'setlist_published'`,
          [fans.map((f) => f.user.id)],
        )) as { n: number }[]
      )[0]!.n;
    await eventually(async () => ((await inbox()) === 2 ? true : undefined));
    // The restore point came after the trigger but before its fan-out wrote the inboxes.
    const since = new Date().toISOString();
    await sql().query('delete from notifications where user_id = any($1::uuid[])', [fans.map((f) => f.user.id)]);
    expect(await inbox()).toBe(0);

    const res = await api('/v1/admin/recovery/rebuild', { method: 'POST', token: admin.token, body: json({ since }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { notificationsRefanned: number }).notificationsRefanned).toBeGreaterThanOrEqual(1);
    await eventually(async () => ((await inbox()) === 2 ? true : undefined));
  });
});
