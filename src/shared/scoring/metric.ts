/**
 * How well the fans predicted a show, and what each fan earned: pure functions, so the rules in
 * docs/scoring.md are tested on hand-computed examples without a database.
 */
import type { PredictionDetail, PredictionScore } from '../schemas/scoring';

/** A song of the predicted setlist with its final vote count; `addedAt` (ms) breaks ties, earliest first. */
export interface VotedSong {
  songId: string;
  title: string;
  votes: number;
  addedAt: number;
}

/** A song of the actual setlist (`songId` null: not in the artist's catalogue). */
export interface PlayedSongInput {
  position: number;
  songId: string | null;
  title: string;
}

/** Weights of the show score: 0..100 = SCORE_F1_WEIGHT × F1 + SCORE_POSITION_WEIGHT × positionBonus. */
export const SCORE_F1_WEIGHT = 80;
export const SCORE_POSITION_WEIGHT = 20;
/** Points a fan earns per song they voted for that was played. */
export const POINTS_PER_HIT = 10;
/** Extra points for a played song that the crowd's top N missed: the fan called it when most did not. */
export const POINTS_PER_DEEP_CUT = 5;

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** The voted songs in rank order: most votes first, then the earliest added, then by id. Songs without votes are not ranked. */
export function rankVotedSongs(songs: readonly VotedSong[]): (VotedSong & { rank: number })[] {
  return songs
    .filter((s) => s.votes > 0)
    .sort(
      (a, b) => b.votes - a.votes || a.addedAt - b.addedAt || (a.songId < b.songId ? -1 : a.songId > b.songId ? 1 : 0),
    )
    .map((s, i) => ({ ...s, rank: i + 1 }));
}

export interface PredictionResult {
  score: PredictionScore;
  details: PredictionDetail;
  /** The song ids of the top N, for fan points. */
  topSongIds: Set<string>;
}

/** Scores the predicted setlist (the voted songs) against the actual one. */
export function scorePrediction(voted: readonly VotedSong[], played: readonly PlayedSongInput[]): PredictionResult {
  const actual = [...played].sort((a, b) => a.position - b.position);
  const n = actual.length;
  const ranked = rankVotedSongs(voted);
  const top = ranked.slice(0, n);
  const positionOf = new Map(actual.filter((p) => p.songId !== null).map((p) => [p.songId!, p.position]));
  const rankOf = new Map(ranked.map((s) => [s.songId, s.rank]));

  let hits = 0;
  let closeness = 0;
  for (const song of top) {
    const position = positionOf.get(song.songId);
    if (position === undefined) continue;
    hits++;
    // rank and position are both in 1..N, so each term is in (0, 1]: 1 when the vote rank is the play position.
    closeness += 1 - Math.abs(song.rank - position) / n;
  }
  const precision = top.length ? hits / top.length : 0;
  const recall = n ? hits / n : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  const positionBonus = n ? closeness / n : 0;
  return {
    score: {
      topN: n,
      hits,
      played: n,
      precision: round(precision, 4),
      recall: round(recall, 4),
      positionBonus: round(positionBonus, 4),
      score: round(SCORE_F1_WEIGHT * f1 + SCORE_POSITION_WEIGHT * positionBonus, 2),
    },
    details: {
      predicted: top.map((s) => ({
        rank: s.rank,
        songId: s.songId,
        title: s.title,
        votes: s.votes,
        playedAt: positionOf.get(s.songId) ?? null,
      })),
      played: actual.map((p) => ({
        position: p.position,
        songId: p.songId,
        title: p.title,
        rank: p.songId === null ? null : (rankOf.get(p.songId) ?? null),
      })),
    },
    topSongIds: new Set(top.map((s) => s.songId)),
  };
}

export interface FanPoints {
  userId: string;
  points: number;
  songsHit: number;
  songsVoted: number;
}

/**
 * What each fan earned: POINTS_PER_HIT per song they voted for that was played, plus POINTS_PER_DEEP_CUT when
 * that song was outside the crowd's top N. Every fan with at least one vote gets a row (0 points included).
 */
export function fanPoints(
  votesByFan: ReadonlyMap<string, readonly string[]>,
  played: readonly PlayedSongInput[],
  topSongIds: ReadonlySet<string>,
): FanPoints[] {
  const playedIds = new Set(played.flatMap((p) => (p.songId === null ? [] : [p.songId])));
  const result: FanPoints[] = [];
  for (const [userId, songIds] of votesByFan) {
    const voted = new Set(songIds);
    let songsHit = 0;
    let points = 0;
    for (const songId of voted) {
      if (!playedIds.has(songId)) continue;
      songsHit++;
      points += POINTS_PER_HIT + (topSongIds.has(songId) ? 0 : POINTS_PER_DEEP_CUT);
    }
    result.push({ userId, points, songsHit, songsVoted: voted.size });
  }
  return result.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}
