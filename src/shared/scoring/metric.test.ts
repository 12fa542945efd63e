import { describe, expect, it } from 'vitest';
import { fanPoints, type PlayedSongInput, rankVotedSongs, scorePrediction, type VotedSong } from './metric';

const voted = (songId: string, votes: number, addedAt = 0): VotedSong => ({
  songId,
  title: songId.toUpperCase(),
  votes,
  addedAt,
});
const played = (...ids: (string | null)[]): PlayedSongInput[] =>
  ids.map((songId, i) => ({ position: i + 1, songId, title: songId?.toUpperCase() ?? `Cover ${i + 1}` }));

describe('the prediction score (docs/scoring.md, computed by hand)', () => {
  it('example 1: top 4 against 4 played songs', () => {
    // Ranks: a(10) 1, c(8) 2, d(6) 3, b(5) 4, e(3) 5; f has no votes and is not ranked.
    const result = scorePrediction(
      [voted('a', 10), voted('b', 5), voted('c', 8), voted('d', 6), voted('e', 3), voted('f', 0)],
      played('a', 'b', 'c', 'e'),
    );
    // Top 4 = a, c, d, b; hits a, c, b. precision = recall = 3/4. F1 = 0.75.
    // Closeness: a rank 1 at 1 → 1; c rank 2 at 3 → 1 − 1/4; b rank 4 at 2 → 1 − 2/4. Sum 2.25, / 4 = 0.5625.
    // Score = 80 × 0.75 + 20 × 0.5625 = 71.25.
    expect(result.score).toEqual({
      topN: 4,
      hits: 3,
      played: 4,
      precision: 0.75,
      recall: 0.75,
      positionBonus: 0.5625,
      score: 71.25,
    });
    expect(result.details.predicted.map((p) => [p.rank, p.songId, p.playedAt])).toEqual([
      [1, 'a', 1],
      [2, 'c', 3],
      [3, 'd', null],
      [4, 'b', 2],
    ]);
    // e was played but ranked 5th, outside the top 4.
    expect(result.details.played.map((p) => [p.position, p.songId, p.rank])).toEqual([
      [1, 'a', 1],
      [2, 'b', 4],
      [3, 'c', 2],
      [4, 'e', 5],
    ]);
    expect([...result.topSongIds].sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('example 2: fewer voted songs than played ones, and an off-catalogue song', () => {
    // Played: a cover (no song id), a, b. Ranked: b(2) 1, a(1) 2: the top "3" has 2 songs, both hits.
    const result = scorePrediction([voted('a', 1), voted('b', 2)], played(null, 'a', 'b'));
    // precision 2/2 = 1, recall 2/3, F1 = 2·1·(2/3) / (5/3) = 0.8.
    // Closeness: b rank 1 at 3 → 1 − 2/3; a rank 2 at 2 → 1. Sum 4/3, / 3 = 4/9 = 0.4444.
    // Score = 80 × 0.8 + 20 × 4/9 = 72.888… → 72.89.
    expect(result.score).toEqual({
      topN: 3,
      hits: 2,
      played: 3,
      precision: 1,
      recall: 0.6667,
      positionBonus: 0.4444,
      score: 72.89,
    });
    expect(result.details.played[0]).toEqual({ position: 1, songId: null, title: 'Cover 1', rank: null });
  });

  it('scores 0 when nobody voted, and 100 for a perfect prediction in order', () => {
    expect(scorePrediction([], played('a', 'b')).score).toEqual({
      topN: 2,
      hits: 0,
      played: 2,
      precision: 0,
      recall: 0,
      positionBonus: 0,
      score: 0,
    });
    expect(scorePrediction([voted('a', 3), voted('b', 2), voted('c', 1)], played('a', 'b')).score.score).toBe(100);
  });

  it('breaks vote ties by the earliest added song, then by id', () => {
    const ranked = rankVotedSongs([voted('z', 2, 50), voted('y', 2, 10), voted('x', 2, 10), voted('w', 3, 99)]);
    expect(ranked.map((s) => [s.songId, s.rank])).toEqual([
      ['w', 1],
      ['x', 2],
      ['y', 3],
      ['z', 4],
    ]);
  });
});

describe("a fan's points", () => {
  it('10 per voted song that was played, 5 more when the top N missed it; every voter gets a row', () => {
    const { topSongIds } = scorePrediction(
      [voted('a', 10), voted('b', 5), voted('c', 8), voted('d', 6), voted('e', 3)],
      played('a', 'b', 'c', 'e'),
    );
    const votes = new Map([
      ['fan-1', ['a', 'd']], // a hit: 10
      ['fan-2', ['e', 'b']], // e hit outside the top 4: 15; b hit: 10
      ['fan-3', ['d']], // nothing played
    ]);
    expect(fanPoints(votes, played('a', 'b', 'c', 'e'), topSongIds)).toEqual([
      { userId: 'fan-1', points: 10, songsHit: 1, songsVoted: 2 },
      { userId: 'fan-2', points: 25, songsHit: 2, songsVoted: 2 },
      { userId: 'fan-3', points: 0, songsHit: 0, songsVoted: 1 },
    ]);
  });
});
