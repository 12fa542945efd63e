import { describe, expect, it } from 'vitest';
import { fanScores } from '#shared/db/schema';
import { DAY_MS } from '#shared/time';
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
    const ago = (days: number) => new Date(Date.now() - days * DAY_MS);
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
    await testDb()
      .insert(fanScores)
      .values([
        row(a.show, u1, 900_000, ago(3)),
        row(a.show, u2, 900_010, ago(3)),
        row(a.show, u3, 900_000, ago(3)),
        row(b.show, u1, 50, ago(20)),
        row(b.show, u4, 900_100, ago(20)),
        row(c.show, u2, 100, ago(200)),
        // Another artist's show, two years ago.
        row(d.show, u3, 1_000_000, ago(800), d.artist.id),
      ]);
    // The all-time totals, as finalisation keeps them (scoring.test.ts checks that it does).
    await sql().query(
      `insert into fan_totals (user_id, points, shows, songs_hit)
       select user_id, sum(points), count(*), sum(songs_hit) from fan_scores where user_id = any($1::uuid[]) group by user_id`,
      [[u1, u2, u3, u4].map((u) => u.user.id)],
    );
    const mine = new Set([u1, u2, u3, u4].map((u) => u.user.id));
    const top = (b: Board) => b.items.filter((i) => mine.has(i.user.id)).map((i) => [i.rank, i.user.id, i.points]);
    // Ties share a rank and are ordered by user id.
    const [first, second] = [u1.user.id, u3.user.id].sort();

    expect(top(await board('/v1/leaderboard?period=week'))).toEqual([
      [1, u2.user.id, 900_010],
      [2, first, 900_000],
      [2, second, 900_000],
    ]);
    expect(top(await board('/v1/leaderboard?period=month'))).toEqual([
      [1, u4.user.id, 900_100],
      [2, u1.user.id, 900_050],
      [3, u2.user.id, 900_010],
      [4, u3.user.id, 900_000],
    ]);
    expect(top(await board('/v1/leaderboard?period=year'))).toEqual([
      [1, u2.user.id, 900_110],
      [2, u4.user.id, 900_100],
      [3, u1.user.id, 900_050],
      [4, u3.user.id, 900_000],
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

  it('gives tied fans one rank on the all-time board, across pages', async () => {
    const { show } = await createShow();
    const fans = await Promise.all([signUp(), signUp(), signUp()]);
    // Above every other fixture of this file: these three lead the all-time board.
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
          showStartsAt: new Date(),
        })),
      );
    await sql().query(
      `insert into fan_totals (user_id, points, shows, songs_hit) select user_id, sum(points), count(*), sum(songs_hit) from fan_scores where show_id = $1 group by user_id`,
      [show.id],
    );
    const [a, b] = [fans[0]!.user.id, fans[1]!.user.id].sort();
    const seen: [number, string, number][] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 3; i++) {
      const page = await board(`/v1/leaderboard?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((item): [number, string, number] => [item.rank, item.user.id, item.points]));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([
      [1, a!, 3_000_000],
      [1, b!, 3_000_000],
      [3, fans[2]!.user.id, 2_999_999],
    ]);
    // Two at a time: the tie inside a page, then the next fan after it.
    const two = await board('/v1/leaderboard?limit=2');
    const next = await board(`/v1/leaderboard?limit=2&cursor=${two.nextCursor}`);
    expect([...two.items, ...next.items].slice(0, 3).map((item) => item.rank)).toEqual([1, 1, 3]);
  });
});
