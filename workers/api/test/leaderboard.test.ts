import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '#shared/db/client';
import { fanScores } from '#shared/db/schema';
import type { LeaderboardPeriod } from '#shared/schemas/scoring';
import { scoreShowInTx } from '#shared/scoring/finalize';
import { rebuildLeaderboardRollups, refreshFanRollups } from '#shared/scoring/rollups';
import { DAY_MS } from '#shared/time';
import { insertUsers } from '../../../test/support/database';
import { leaderboardPage } from '../src/scoring/leaderboard-page';
import {
  artistBoardScan,
  artistTotalsOf,
  artistTotalsScan,
  periodTotalsOf,
  periodTotalsScan,
  refreshRollupsOf,
} from './rollup-support';
import { api, createShow, errorOf, signUp, sql, testDb } from './support';

interface Board {
  period: string;
  items: { rank: number; user: { id: string; displayName: string }; points: number; shows: number; songsHit: number }[];
  nextCursor: string | null;
}

async function board(path: string): Promise<Board> {
  const res = await api(path);
  expect(res.status, path).toBe(200);
  return (await res.json()) as Board;
}

describe('leaderboards', () => {
  it('rank fans by points over a period, globally and per artist, page by page', async () => {
    const [a, b, c, d] = await Promise.all([createShow(), createShow(), createShow(), createShow()]);
    const artist = a.artist;
    const [u1, u2, u3, u4] = await Promise.all([signUp({ displayName: 'Una' }), signUp(), signUp(), signUp()]);
    const ago = (days: number) => new Date(Date.now() - 60_000 - days * DAY_MS);
    // Points far above anything other test files award, so these four fans lead the global board.
    const row = (show: typeof a.show, user: typeof u1, points: number, startsAt: Date, artistId = artist.id) => ({
      showId: show.id,
      userId: user.user.id,
      artistId,
      points,
      songsHit: 1,
      songsVoted: 2,
      showStartsAt: startsAt,
    });
    // This week, month and year whatever the day (a minute ago), or before this year (400 and 800 days ago).
    const values = [
      row(a.show, u1, 900_000, ago(0)),
      row(a.show, u2, 900_010, ago(0)),
      row(a.show, u3, 900_000, ago(0)),
      row(b.show, u1, 50, ago(400)),
      row(b.show, u4, 900_100, ago(400)),
      row(c.show, u2, 100, ago(400)),
      // Another artist's show, two years ago.
      row(d.show, u3, 1_000_000, ago(800), d.artist.id),
    ];
    await testDb().insert(fanScores).values(values);
    // The rollups, as finalisation keeps them (scoring.test.ts checks that it does).
    await refreshRollupsOf(
      values.map((v) => v.userId),
      values.map((v) => v.showStartsAt),
      values.map((v) => v.artistId),
    );
    const mine = new Set([u1, u2, u3, u4].map((u) => u.user.id));
    const top = (b: Board) => b.items.filter((i) => mine.has(i.user.id)).map((i) => [i.rank, i.user.id, i.points]);
    // Ties share a rank and are ordered by user id.
    const [first, second] = [u1.user.id, u3.user.id].sort();

    for (const period of ['week', 'month', 'year'])
      expect(top(await board(`/v1/leaderboard?period=${period}`)), period).toEqual([
        [1, u2.user.id, 900_010],
        [2, first, 900_000],
        [2, second, 900_000],
      ]);
    const all = await board('/v1/leaderboard');
    expect(all.period).toBe('all');
    expect(top(all)).toEqual([
      [1, u3.user.id, 1_900_000],
      [2, u2.user.id, 900_110],
      [3, u4.user.id, 900_100],
      [4, u1.user.id, 900_050],
    ]);
    expect(all.items.find((i) => i.user.id === u1.user.id)).toMatchObject({
      user: { displayName: 'Una' },
      shows: 2,
      songsHit: 2,
    });

    // Pages of two: the cursor continues after the last fan, ranks are global.
    const page1 = await board('/v1/leaderboard?period=all&limit=2');
    expect(page1.items.map((i) => [i.rank, i.user.id])).toEqual([
      [1, u3.user.id],
      [2, u2.user.id],
    ]);
    const page2 = await board(`/v1/leaderboard?period=all&limit=2&cursor=${page1.nextCursor}`);
    expect(page2.items.map((i) => [i.rank, i.user.id])).toEqual([
      [3, u4.user.id],
      [4, u1.user.id],
    ]);

    // The artist's board leaves out the other artist's show; by id or slug.
    const artistBoard = await board(`/v1/artists/${artist.slug}/leaderboard?period=all`);
    expect(artistBoard.items.map((i) => [i.rank, i.user.id, i.points])).toEqual([
      [1, u2.user.id, 900_110],
      [2, u4.user.id, 900_100],
      [3, u1.user.id, 900_050],
      [4, u3.user.id, 900_000],
    ]);
    expect(
      (await board(`/v1/artists/${artist.id}/leaderboard?period=week&limit=1`)).items.map((i) => i.user.id),
    ).toEqual([u2.user.id]);
    expect((await board(`/v1/artists/${d.artist.slug}/leaderboard?period=year`)).items).toEqual([]);

    // Bad input.
    const bad: [string, number, string][] = [
      ['/v1/leaderboard?period=decade', 400, 'validation_failed'],
      ['/v1/leaderboard?limit=0', 400, 'validation_failed'],
      ['/v1/leaderboard?cursor=garbage', 422, 'invalid_cursor'],
      [`/v1/leaderboard?period=week&cursor=${page1.nextCursor}`, 422, 'invalid_cursor'],
      ['/v1/artists/no-such-artist/leaderboard', 404, 'not_found'],
    ];
    for (const [path, status, code] of bad) {
      const res = await api(path);
      expect(res.status, path).toBe(status);
      expect((await errorOf(res)).code, path).toBe(code);
    }
  });

  it('gives tied fans one rank on the all-time and the weekly board, across pages', async () => {
    const { show } = await createShow();
    const fans = await Promise.all([signUp(), signUp(), signUp()]);
    // Above every other fixture of this file: these three lead the all-time board and this week's.
    const at = new Date();
    await testDb()
      .insert(fanScores)
      .values(
        fans.map((f, i) => ({
          showId: show.id,
          userId: f.user.id,
          artistId: show.artistId,
          points: i < 2 ? 3_000_000 : 2_999_999,
          songsHit: 1,
          songsVoted: 1,
          showStartsAt: at,
        })),
      );
    await refreshRollupsOf(
      fans.map((f) => f.user.id),
      [at],
      [show.artistId],
    );
    const [a, b] = [fans[0]!.user.id, fans[1]!.user.id].sort();
    for (const period of ['all', 'week']) {
      const seen: [number, string, number][] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 3; i++) {
        const page = await board(`/v1/leaderboard?period=${period}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.items.map((item): [number, string, number] => [item.rank, item.user.id, item.points]));
        cursor = page.nextCursor;
      }
      expect(seen, period).toEqual([
        [1, a!, 3_000_000],
        [1, b!, 3_000_000],
        [3, fans[2]!.user.id, 2_999_999],
      ]);
      // Two at a time: the tie inside a page, then the next fan after it.
      const two = await board(`/v1/leaderboard?period=${period}&limit=2`);
      const next = await board(`/v1/leaderboard?period=${period}&limit=2&cursor=${two.nextCursor}`);
      expect(
        [...two.items, ...next.items].slice(0, 3).map((item) => item.rank),
        period,
      ).toEqual([1, 1, 3]);
    }
  });

  it('reads UTC calendar periods from rollups equal to the sums of fan_scores, at each boundary', async () => {
    const shows = await Promise.all(Array.from({ length: 8 }, () => createShow()));
    const artistId = shows[0]!.artist.id;
    const [v1, v2, v3] = (await Promise.all([signUp(), signUp(), signUp()])).map((f) => f.user.id) as [
      string,
      string,
      string,
    ];
    // Years nobody else's fixtures use, so each board holds these fans only. 2001-01-01 was a Monday.
    const scores: [number, string, number, string][] = [
      [0, v1, 10, '2001-03-11T23:59:59.999Z'], // Sunday: the week of 5 March
      [1, v2, 20, '2001-03-12T00:00:00.000Z'], // Monday: the week of 12 March
      [2, v3, 40, '2001-02-28T12:00:00.000Z'], // February, the week of 26 February…
      [3, v1, 5, '2001-03-01T00:00:00.000Z'], // …and March, the same week
      [4, v3, 100, '2000-12-31T23:59:59.999Z'], // week, month and year of 2000
      [5, v2, 7, '2001-01-01T00:00:00.000Z'], // and of 2001
      [6, v1, 3, '2001-12-31T10:00:00.000Z'], // Monday: the week of 31 December 2001…
      [7, v2, 4, '2002-01-01T10:00:00.000Z'], // …holds a day of 2002
    ];
    const rows = scores.map(([show, userId, points, at]) => ({
      showId: shows[show]!.show.id,
      userId,
      artistId,
      points,
      songsHit: 1,
      songsVoted: 1,
      showStartsAt: new Date(at),
    }));
    await testDb().insert(fanScores).values(rows);
    const fans = [v1, v2, v3];
    await refreshRollupsOf(
      rows.map((r) => r.userId),
      rows.map((r) => r.showStartsAt),
      [artistId],
    );
    const scan = await periodTotalsScan(fans);
    expect(await periodTotalsOf(fans)).toEqual(scan);
    const artistScan = await artistTotalsScan(fans);
    expect(await artistTotalsOf(fans)).toEqual(artistScan);
    expect(scan.filter((r) => r.user_id === v1).map((r) => [r.period, r.period_start, r.points])).toEqual([
      ['month', '2001-03-01', 15],
      ['month', '2001-12-01', 3],
      ['week', '2001-02-26', 5],
      ['week', '2001-03-05', 10],
      ['week', '2001-12-31', 3],
      ['year', '2001-01-01', 18],
    ]);
    // Again, and a rebuild from fan_scores: the same rows, nothing added twice.
    await refreshRollupsOf(fans, [new Date('2001-03-12T00:00:00Z')], [artistId]);
    expect(await periodTotalsOf(fans)).toEqual(scan);
    expect(await artistTotalsOf(fans)).toEqual(artistScan);
    // A rebuild also repairs a row that drifted.
    await sql().query(`update fan_period_totals set points = points + 1 where user_id = $1`, [v1]);
    await sql().query(`update fan_totals set points = points + 1 where user_id = $1`, [v1]);
    await sql().query(`update fan_artist_period_totals set points = points + 1 where user_id = $1`, [v1]);
    await sql().query(`update fan_artist_totals set points = points + 1 where user_id = $1`, [v1]);
    const handle = openDatabase(env);
    try {
      const rebuilt = await rebuildLeaderboardRollups(handle.db.$primary);
      expect(rebuilt.totalsUpdated).toBeGreaterThanOrEqual(1);
      expect(await periodTotalsOf(fans)).toEqual(scan);
      expect(await artistTotalsOf(fans)).toEqual(artistScan);
      expect(await sql().query('select points from fan_totals where user_id = $1', [v1])).toEqual([{ points: 18 }]);

      const boardAt = async (period: LeaderboardPeriod, now: string, artist?: string) =>
        (await leaderboardPage(handle.db, { period, limit: 20 }, artist, new Date(now))).items.map((i) => [
          i.rank,
          i.user.id,
          i.points,
        ]);
      const expected: [LeaderboardPeriod, string, (string | number)[][]][] = [
        ['week', '2001-03-11T12:00:00Z', [[1, v1, 10]]],
        ['week', '2001-03-12T00:00:00Z', [[1, v2, 20]]],
        [
          'week',
          '2001-02-28T23:59:59.999Z',
          [
            [1, v3, 40],
            [2, v1, 5],
          ],
        ],
        ['month', '2001-02-28T23:59:59.999Z', [[1, v3, 40]]],
        [
          'month',
          '2001-03-01T00:00:00Z',
          [
            [1, v2, 20],
            [2, v1, 15],
          ],
        ],
        ['week', '2000-12-31T23:59:59.999Z', [[1, v3, 100]]],
        ['year', '2000-12-31T23:59:59.999Z', [[1, v3, 100]]],
        ['week', '2001-01-01T00:00:00Z', [[1, v2, 7]]],
        ['month', '2001-01-01T00:00:00Z', [[1, v2, 7]]],
        [
          'year',
          '2001-01-01T00:00:00Z',
          [
            [1, v3, 40],
            [2, v2, 27],
            [3, v1, 18],
          ],
        ],
        [
          'week',
          '2002-01-01T00:00:00Z',
          [
            [1, v2, 4],
            [2, v1, 3],
          ],
        ],
        ['month', '2002-01-01T00:00:00Z', [[1, v2, 4]]],
        ['year', '2002-01-01T00:00:00Z', [[1, v2, 4]]],
        ['week', '2002-01-07T00:00:00Z', []],
      ];
      for (const [period, now, items] of expected)
        expect(await boardAt(period, now), `${period} at ${now}`).toEqual(items);
      // An artist's board: the same periods, from the artist's rollups.
      expect(await boardAt('week', '2001-03-12T00:00:00Z', artistId)).toEqual([[1, v2, 20]]);
      expect(await boardAt('year', '2001-06-01T00:00:00Z', artistId)).toEqual([
        [1, v3, 40],
        [2, v2, 27],
        [3, v1, 18],
      ]);
      expect(await boardAt('week', '2001-03-11T23:59:59.999Z', shows[1]!.artist.id)).toEqual([]);
    } finally {
      await handle.close();
    }
  });

  it('keeps the rollups exact when two shows sharing fans are scored at once', async () => {
    const [first, a, b] = await Promise.all([createShow(), createShow(), createShow()]);
    const fans = (await Promise.all(Array.from({ length: 6 }, () => signUp()))).map((f) => f.user.id);
    const at = new Date('2003-05-14T20:00:00Z');
    // The three shows are scored as one artist's, so that both refreshes also rewrite the same artist rows.
    const artistId = first.artist.id;
    const { db, close } = openDatabase(env);
    // What finalisation does in its transaction: replace the show's scores, then refresh the fans' rollups.
    const score = (show: typeof a.show, points: number, beforeCommit?: () => Promise<void>) =>
      db.$primary.transaction(async (tx) => {
        await tx.insert(fanScores).values(
          fans.map((userId) => ({
            showId: show.id,
            userId,
            artistId,
            points,
            songsHit: 1,
            songsVoted: 1,
            showStartsAt: at,
          })),
        );
        await refreshFanRollups(tx, fans, [at], [artistId]);
        await beforeCommit?.();
      });
    try {
      // The fans have rollup rows already (the case where two refreshes could overwrite each other's sums).
      await score(first.show, 1);
      // B starts once A has refreshed and before A commits: B must wait for A and then count A's scores too.
      let refreshed!: () => void;
      const aRefreshed = new Promise<void>((resolve) => {
        refreshed = resolve;
      });
      const scoringA = score(a.show, 10, async () => {
        refreshed();
        await new Promise((resolve) => setTimeout(resolve, 300));
      });
      await aRefreshed;
      await Promise.all([scoringA, score(b.show, 7)]);
    } finally {
      await close();
    }
    const rows = await periodTotalsOf(fans);
    expect(rows).toEqual(await periodTotalsScan(fans));
    expect(rows.map((r) => [r.period, r.points, r.shows])).toEqual(
      ['month', 'week', 'year'].flatMap((period) => fans.map(() => [period, 18, 3])),
    );
    expect(await sql().query('select points from fan_totals where user_id = any($1::uuid[])', [fans])).toEqual(
      fans.map(() => ({ points: 18 })),
    );
    const artistRows = await artistTotalsOf(fans);
    expect(artistRows).toEqual(await artistTotalsScan(fans));
    expect(artistRows.map((r) => [r.artist_id, r.period, r.points, r.shows])).toEqual(
      ['all', 'month', 'week', 'year'].flatMap((period) => fans.map(() => [artistId, period, 18, 3])),
    );
  });

  it("keeps the artists' boards equal to their scores summed: finalisations, a re-score, a moved start, a new artist", async () => {
    const made = await Promise.all([createShow(), createShow(), createShow(), createShow()]);
    const [artistId, other] = [made[0]!.artist.id, made[3]!.artist.id];
    const fans = await insertUsers(4);
    // Three shows of one artist and one of another that the same fans voted at, in a year no other fixture uses.
    // 2007-01-01 was a Monday: the first, second and fourth show share the week of 5 March.
    const starts = ['2007-03-05T20:00:00Z', '2007-03-07T20:00:00Z', '2007-05-20T20:00:00Z', '2007-03-06T20:00:00Z'];
    const shows = made.map((m, i) => ({
      id: m.show.id,
      artistId: i < 3 ? artistId : other,
      startsAt: new Date(starts[i]!),
      songs: m.songs,
    }));
    const entries = new Map<string, string[]>();
    for (const show of shows) {
      await sql().query('update shows set artist_id = $2, starts_at = $3 where id = $1', [
        show.id,
        show.artistId,
        show.startsAt.toISOString(),
      ]);
      const rows = (await sql().query(
        'insert into setlist_songs (show_id, song_id) select $1, unnest($2::uuid[]) returning id, song_id',
        [show.id, show.songs.map((song) => song.id)],
      )) as { id: string; song_id: string }[];
      entries.set(
        show.id,
        show.songs.map((song) => rows.find((r) => r.song_id === song.id)!.id),
      );
    }
    // [show, fan, song] of every vote.
    const ballots: [number, number, number][] = [
      [0, 0, 0],
      [0, 0, 1],
      [0, 1, 0],
      [0, 2, 2],
      [1, 0, 2],
      [1, 1, 0],
      [1, 1, 1],
      [1, 3, 0],
      [2, 2, 0],
      [2, 3, 1],
      [2, 3, 2],
      [3, 0, 0],
      [3, 1, 1],
    ];
    for (const [show, fan, song] of ballots)
      await sql().query(
        'insert into votes (id, user_id, setlist_song_id, show_id) values (gen_random_uuid(), $1, $2, $3)',
        [fans[fan], entries.get(shows[show]!.id)![song], shows[show]!.id],
      );

    const { db, close } = openDatabase(env);
    // Finalisation's own scoring, in its own transaction (the route adds the room's settlement around it).
    const score = (i: number, played: number[]) => {
      const show = shows[i]!;
      return db.$primary.transaction((tx) =>
        scoreShowInTx(
          tx,
          show,
          played.map((song, k) => ({ position: k + 1, songId: show.songs[song]!.id, title: show.songs[song]!.title })),
        ),
      );
    };
    // The rollups against fan_scores, and every board of both artists (each period, at moments around the shows)
    // against the sum the artists' boards computed before the rollups.
    const check = async (when: string) => {
      expect(await artistTotalsOf(fans), when).toEqual(await artistTotalsScan(fans));
      for (const artist of [artistId, other])
        for (const now of ['2007-03-06T00:00:00Z', '2007-03-12T00:00:00Z', '2007-05-20T23:00:00Z'])
          for (const period of ['all', 'week', 'month', 'year'] as const) {
            const page = await leaderboardPage(db, { period, limit: 100 }, artist, new Date(now));
            expect(
              page.items.map((i) => [i.rank, i.user.id, i.points, i.shows, i.songsHit]),
              `${when}: ${period} at ${now}`,
            ).toEqual(await artistBoardScan(artist, period, new Date(now)));
          }
    };
    try {
      await score(0, [0, 1]);
      await check('one show');
      await score(1, [2, 0]);
      await score(2, [0, 1, 2]);
      await score(3, [0]);
      await check('four shows');
      const before = await artistBoardScan(artistId, 'all', new Date());
      expect(before).toHaveLength(4);

      // A re-score: a vote taken back and another played setlist change the first show's points.
      await sql().query('update votes set active = false where setlist_song_id = $1 and user_id = $2', [
        entries.get(shows[0]!.id)![1],
        fans[0],
      ]);
      await score(0, [0, 2]);
      expect(await artistBoardScan(artistId, 'all', new Date())).not.toEqual(before);
      await check('re-scored');

      // The second show's start corrected into May: its points leave March's week and month for May's.
      shows[1]!.startsAt = new Date('2007-05-16T20:00:00Z');
      await sql().query('update shows set starts_at = $2 where id = $1', [
        shows[1]!.id,
        shows[1]!.startsAt.toISOString(),
      ]);
      await score(1, [2, 0]);
      await check('start moved');

      // The third show's artist corrected: its points leave the first artist's boards for the other's.
      shows[2]!.artistId = other;
      await sql().query('update shows set artist_id = $2 where id = $1', [shows[2]!.id, other]);
      await score(2, [0, 1, 2]);
      await check('artist changed');

      // Again, unchanged: the same rows. Then a rebuild repairs a drifted row and drops one with no score.
      const rows = await artistTotalsOf(fans);
      await score(0, [0, 2]);
      expect(await artistTotalsOf(fans)).toEqual(rows);
      await sql().query('update fan_artist_period_totals set points = points + 1 where user_id = $1', [fans[0]]);
      await sql().query(
        'insert into fan_artist_totals (artist_id, user_id, points, shows, songs_hit) values ($1, $2, 5, 1, 1)',
        [crypto.randomUUID(), fans[3]],
      );
      const rebuilt = await rebuildLeaderboardRollups(db.$primary);
      expect(rebuilt.artistRows).toBeGreaterThanOrEqual(rows.length);
      expect(await artistTotalsOf(fans)).toEqual(rows);
      await check('rebuilt');
    } finally {
      await close();
    }
  });
});
