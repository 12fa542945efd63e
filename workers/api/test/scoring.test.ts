import { describe, expect, it } from 'vitest';
import { artistTotalsOf, artistTotalsScan, periodTotalsOf, periodTotalsScan } from './rollup-support';
import { addSong, castVote, finalize, markPlayed } from './setlist-support';
import { api, connectRoom, createShow, eventually, joinRoom, signUp, signUpAs, sql } from './support';

type Five<T> = [T, T, T, T, T];

describe('finalising a show: scores from real votes (room → queue → Postgres), the room announces the result', () => {
  it('scores the hand-computed example, gives fans their points, and is idempotent', async () => {
    const { show, songs, artist } = await createShow({ songs: 5 });
    const [s0, s1, s2, s3, s4] = songs as Five<(typeof songs)[0]>;
    const moderator = await signUpAs('moderator');
    const fans = await Promise.all(Array.from({ length: 5 }, () => signUp()));
    const [f1, f2, f3, f4, f5] = fans as Five<(typeof fans)[0]>;

    const entry = new Map<string, string>();
    for (const song of [s0, s1, s2, s4, s3]) {
      entry.set(song.id, await addSong(show.id, song.id, f1.token));
    }
    // Votes: s0 by all five, s1 by f1–f4, s2 by f1–f3, s4 by f1–f2, s3 by f5 → ranks s0 1, s1 2, s2 3, s4 4, s3 5.
    const ballots: [typeof f1, (typeof songs)[0][]][] = [
      [f1, [s0, s1, s2, s4]],
      [f2, [s0, s1, s2, s4]],
      [f3, [s0, s1, s2]],
      [f4, [s0, s1]],
      [f5, [s0, s3]],
    ];
    // f1 votes over the WebSocket, the others over HTTP: both are the room's votes.
    const socket = await joinRoom(show.id, { token: f1.token });
    for (const song of ballots[0]![1]) {
      const id = crypto.randomUUID();
      socket.send({ type: 'vote', id, setlistSongId: entry.get(song.id) });
      expect(await socket.next((m) => m.type === 'ack' && m.ref === id)).toMatchObject({ ok: true });
    }
    for (const [fan, picks] of ballots.slice(1)) {
      for (const song of picks) {
        const res = await castVote(show.id, entry.get(song.id)!, fan.token);
        expect(res.status).toBe(201);
      }
    }
    // A vote taken back earns nothing.
    await castVote(show.id, entry.get(s3.id)!, f3.token);
    await api(`/v1/shows/${show.id}/votes/${entry.get(s3.id)}`, { method: 'DELETE', token: f3.token });
    // Scores are computed from Postgres: wait for the vote-events consumer.
    await eventually(async () => {
      const rows = (await sql().query(
        'select count(*) filter (where active)::int as active, count(*) filter (where not active)::int as taken_back from votes where show_id = $1',
        [show.id],
      )) as { active: number; taken_back: number }[];
      return rows[0]!.active === 15 && rows[0]!.taken_back === 1 ? true : undefined;
    });

    // The show: s1, s3, a cover, s0.
    for (const body of [{ songId: s1.id }, { songId: s3.id }, { title: 'Cover Song X' }, { songId: s0.id }]) {
      expect((await markPlayed(show.id, moderator.token, body)).status).toBe(201);
    }
    const watcher = await joinRoom(show.id);

    // N = 4: top 4 = s0, s1, s2, s4; hits s0 (rank 1, played 4th) and s1 (rank 2, played 1st).
    // precision = recall = 2/4, F1 = 0.5; closeness (1 − 3/4) + (1 − 1/4) = 1, / 4 = 0.25; score = 40 + 5 = 45.
    const expected = { topN: 4, hits: 2, played: 4, precision: 0.5, recall: 0.5, positionBonus: 0.25, score: 45 };
    const first = await finalize(show.id, moderator.token);
    expect(first.status).toBe(200);
    // Points: 10 per played song voted for, +5 for s3 (played, outside the top 4): f1–f4 20 each, f5 25.
    const finalized = await first.json();
    expect(finalized).toEqual({ showId: show.id, score: expected, fans: 5, pointsAwarded: 105 });

    expect(await watcher.next((m) => m.type === 'status')).toMatchObject({ status: 'completed', votingOpen: false });
    const result = await watcher.next((m) => m.type === 'result');
    expect(result).toEqual({ type: 'result', seq: expect.any(Number), ...expected });

    const accuracy = (await (await api(`/v1/shows/${show.id}/accuracy`)).json()) as Record<string, unknown> & {
      details: { predicted: unknown[]; played: unknown[] };
    };
    expect(accuracy).toMatchObject({ showId: show.id, ...expected, fans: 5, pointsAwarded: 105 });
    expect(accuracy.details.predicted).toEqual([
      { rank: 1, songId: s0.id, title: s0.title, votes: 5, playedAt: 4 },
      { rank: 2, songId: s1.id, title: s1.title, votes: 4, playedAt: 1 },
      { rank: 3, songId: s2.id, title: s2.title, votes: 3, playedAt: null },
      { rank: 4, songId: s4.id, title: s4.title, votes: 2, playedAt: null },
    ]);
    expect(accuracy.details.played).toEqual([
      { position: 1, songId: s1.id, title: s1.title, rank: 2 },
      { position: 2, songId: s3.id, title: s3.title, rank: 5 },
      { position: 3, songId: null, title: 'Cover Song X', rank: null },
      { position: 4, songId: s0.id, title: s0.title, rank: 1 },
    ]);

    const scoresOf = async () =>
      (await sql().query(
        'select user_id, points, songs_hit, songs_voted, artist_id from fan_scores where show_id = $1 order by user_id',
        [show.id],
      )) as Record<string, unknown>[];
    const expectedScores = [
      { user_id: f1.user.id, points: 20, songs_hit: 2, songs_voted: 4, artist_id: artist.id },
      { user_id: f2.user.id, points: 20, songs_hit: 2, songs_voted: 4, artist_id: artist.id },
      { user_id: f3.user.id, points: 20, songs_hit: 2, songs_voted: 3, artist_id: artist.id },
      { user_id: f4.user.id, points: 20, songs_hit: 2, songs_voted: 2, artist_id: artist.id },
      { user_id: f5.user.id, points: 25, songs_hit: 2, songs_voted: 2, artist_id: artist.id },
    ].sort((a, b) => (a.user_id < b.user_id ? -1 : 1));
    expect(await scoresOf()).toEqual(expectedScores);
    const totalsOf = async () =>
      (await sql().query(
        'select user_id, points, shows, songs_hit from fan_totals where user_id = any($1::uuid[]) order by user_id',
        [fans.map((f) => f.user.id)],
      )) as Record<string, unknown>[];
    const expectedTotals = expectedScores.map((s) => ({
      user_id: s.user_id,
      points: s.points,
      shows: 1,
      songs_hit: 2,
    }));
    expect(await totalsOf()).toEqual(expectedTotals);
    // The period rollups: each fan's week, month and year of the show's start, as summed from fan_scores.
    const fanIds = fans.map((f) => f.user.id);
    const periods = await periodTotalsOf(fanIds);
    expect(periods).toHaveLength(15);
    expect(periods).toEqual(await periodTotalsScan(fanIds));
    // The artist's rollups (its boards): all time, week, month and year of the show, per fan.
    const artistRows = await artistTotalsOf(fanIds);
    expect(artistRows).toHaveLength(20);
    expect(artistRows).toEqual(await artistTotalsScan(fanIds));
    const state = (await sql().query(
      'select a.state, a.finalized_at is not null as finalized, s.status from actual_setlists a join shows s on s.id = a.show_id where s.id = $1',
      [show.id],
    )) as Record<string, unknown>[];
    expect(state).toEqual([{ state: 'final', finalized: true, status: 'completed' }]);

    // Again: the same scores, no points added twice, and nothing new to announce.
    const again = await finalize(show.id, moderator.token);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(finalized);
    expect(await scoresOf()).toEqual(expectedScores);
    expect(await totalsOf()).toEqual(expectedTotals);
    expect(await periodTotalsOf(fanIds)).toEqual(periods);
    expect(await artistTotalsOf(fanIds)).toEqual(artistRows);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(watcher.inbox.filter((m) => m.type === 'result' || m.type === 'status')).toEqual([]);

    // A fresh snapshot carries the result; the artist's leaderboard ranks f5 first, then the four tied at 20.
    const late = await connectRoom(show.id);
    expect(await late.next((m) => m.type === 'snapshot')).toMatchObject({
      status: 'completed',
      result: expected,
      played: expect.arrayContaining([expect.objectContaining({ position: 3, title: 'Cover Song X' })]),
    });
    const board = (await (await api(`/v1/artists/${artist.slug}/leaderboard`)).json()) as {
      artistId: string;
      items: { rank: number; user: { id: string }; points: number; shows: number; songsHit: number }[];
    };
    expect(board.artistId).toBe(artist.id);
    expect(board.items.map((i) => [i.rank, i.user.id, i.points, i.shows, i.songsHit])).toEqual([
      [1, f5.user.id, 25, 1, 2],
      ...expectedScores.filter((s) => s.user_id !== f5.user.id).map((s) => [2, s.user_id, 20, 1, 2]),
    ]);
    // Each fan who voted is told their own score once, although the show was finalised twice.
    await eventually(async () => {
      const rows = (await sql().query(
        `select user_id, count(*)::int as n from notifications where kind = 'setlist_published' and user_id = any($1::uuid[]) group by user_id`,
        [fans.map((f) => f.user.id)],
      )) as { user_id: string; n: number }[];
      return rows.length === fans.length ? rows : undefined;
    }).then((rows) => expect(rows.every((r) => r.n === 1)).toBe(true));

    // The show's start corrected by a year, finalised again: its fans' points leave the old periods for the new.
    await sql().query(`update shows set starts_at = starts_at - interval '400 days' where id = $1`, [show.id]);
    expect((await finalize(show.id, moderator.token)).status).toBe(200);
    const moved = await periodTotalsOf(fanIds);
    expect(moved).toHaveLength(15);
    expect(moved).toEqual(await periodTotalsScan(fanIds));
    expect(
      moved.filter((m) => periods.some((p) => p.period === m.period && p.period_start === m.period_start)),
    ).toEqual([]);
    expect(await artistTotalsOf(fanIds)).toEqual(await artistTotalsScan(fanIds));
    for (const ws of [socket, watcher, late]) ws.close();
  });
});
