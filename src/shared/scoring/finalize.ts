/**
 * Finalising a show: its actual setlist becomes final, the prediction is scored (show_accuracy), every fan who
 * voted gets their points (fan_scores), the show becomes completed, and its room announces the result.
 *
 * Called by the api worker (a moderator's POST .../actual-setlist/finalize) and by the setlist.fm import (after
 * it wrote played_songs / actual_setlists with source 'setlistfm'). Finalising again recomputes everything from
 * the rows as they are and replaces the previous scores: the same rows give the same scores, and points are
 * never added twice (one fan_scores row per show and fan, replaced, never incremented; the leaderboards' rollups of
 * those fans recomputed from fan_scores, rollups.ts).
 *
 * Votes are scored from Postgres, but a vote is decided and acknowledged by the show's room and reaches Postgres a
 * moment later (outbox, queue, consumer). So before scoring, voting is closed and the room is asked to see every
 * event it acknowledged in Postgres (`settleVotes`); if it cannot within the budget, nothing is scored (503
 * votes_in_flight): a score without an acknowledged vote would be final and wrong.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { PrimaryDatabase } from '../db/client';
import { actualSetlists, fanScores, playedSongs, setlistSongs, showAccuracy, shows, songs, votes } from '../db/schema';
import { ApiError, errors } from '../errors';
import type { RoomResult, RoomSettlement, SettleRequest } from '../room-rpc';
import type { PredictionScore } from '../schemas/scoring';
import type { ShowStatus } from '../schemas/shows';
import { type ActualSetlistDeps, lockShow, pushToRoom, toEntries } from './actual-setlist';
import { fanPoints, scorePrediction } from './metric';
import { refreshFanRollups } from './rollups';

/** fan_scores rows per INSERT: 8 parameters each, well below Postgres' 65,535 per statement. */
const FAN_SCORE_BATCH = 1000;

/** How finalisation reaches the room; in a worker: `showRoomStub(env.SHOW_ROOM, id).settleVotes(id, request)`. */
export type SettleRoom = (showId: string, request: SettleRequest) => Promise<RoomResult<RoomSettlement>>;

export interface FinalizeDeps extends ActualSetlistDeps {
  settleRoom: SettleRoom;
  /** How long the room may take to confirm its acknowledged votes (FINALIZE_SETTLE_SECONDS). */
  settleTimeoutMs: number;
}

/** FINALIZE_SETTLE_SECONDS as milliseconds (default 10 s). */
export function settleTimeoutMs(seconds: string | undefined): number {
  const n = Number(seconds);
  return seconds !== undefined && seconds !== '' && Number.isFinite(n) && n >= 0 ? n * 1000 : 10_000;
}

export interface FinalizeOutcome {
  showId: string;
  score: PredictionScore;
  /** Fans with a fan_scores row (everyone who voted), and the points they earned together. */
  fans: number;
  pointsAwarded: number;
  revision: number;
}

/**
 * Finalises and scores a show (see the file comment). Errors are ApiErrors: 404 not_found (no such show),
 * 409 show_cancelled, 409 nothing_played (no played song recorded), 503 votes_in_flight (the room could not
 * confirm its acknowledged votes in time; nothing was scored), 503 when the room could not be reached before
 * scoring, or when the scores were committed but the room could not be told (call again: it is idempotent).
 */
export async function finalizeShow(deps: FinalizeDeps, showId: string): Promise<FinalizeOutcome> {
  const status = await closeVoting(deps.db, showId);
  await settleRoom(deps, showId, status);
  const outcome = await deps.db.transaction(async (tx) => {
    // The same lock as marking and undoing: no song can be added while the show is being scored.
    const { show, played } = await lockScorable(tx, showId);

    const { result, fans } = await scoreShowInTx(tx, show, played);
    const now = new Date();
    const [setlist] = await tx
      .insert(actualSetlists)
      .values({ showId, source: 'moderator', state: 'final', finalizedAt: now, revision: 1 })
      .onConflictDoUpdate({
        target: actualSetlists.showId,
        set: {
          state: 'final',
          finalizedAt: sql`coalesce(${actualSetlists.finalizedAt}, now())`,
          revision: sql`${actualSetlists.revision} + 1`,
          updatedAt: now,
        },
      })
      .returning({ revision: actualSetlists.revision });
    if (show.status !== 'completed')
      await tx.update(shows).set({ status: 'completed', updatedAt: now }).where(eq(shows.id, showId));
    return {
      showId,
      score: result.score,
      fans: fans.length,
      pointsAwarded: fans.reduce((sum, f) => sum + f.points, 0),
      revision: setlist!.revision,
      played,
    };
  });
  const { played, ...finalized } = outcome;
  await pushToRoom(deps.tellRoom, showId, {
    revision: finalized.revision,
    songs: toEntries(played),
    status: 'completed',
    result: finalized.score,
  });
  return finalized;
}

type Transaction = Parameters<Parameters<PrimaryDatabase['transaction']>[0]>[0];

/** Locks the show's row and checks that it can be scored: it exists, is not cancelled, and something was played. */
async function lockScorable(tx: Transaction, showId: string) {
  const show = await lockShow(tx, showId);
  if (show.status === 'cancelled')
    throw errors.conflict('show_cancelled', 'The show was cancelled: there is nothing to score.');
  const played = await tx
    .select({ position: playedSongs.position, songId: playedSongs.songId, title: playedSongs.title })
    .from(playedSongs)
    .where(eq(playedSongs.showId, showId))
    .orderBy(asc(playedSongs.position));
  if (!played.length)
    throw errors.conflict('nothing_played', 'No song has been marked as played: there is nothing to score yet.');
  return { show, played };
}

/**
 * Voting is closed before the room settles, so nothing new arrives while it does: a show with a played song has
 * started (marking the first song already makes an upcoming show live; an imported setlist may not have), and
 * the room takes the status Postgres holds. Written to Postgres first, so a room rebuilt meanwhile is closed too.
 */
async function closeVoting(db: PrimaryDatabase, showId: string): Promise<ShowStatus> {
  return db.transaction(async (tx) => {
    const { show } = await lockScorable(tx, showId);
    if (show.status !== 'upcoming') return show.status;
    await tx.update(shows).set({ status: 'live', updatedAt: new Date() }).where(eq(shows.id, showId));
    return 'live';
  });
}

/** Asks the room to see every vote it acknowledged in Postgres; throws a 503 (nothing scored) when it cannot. */
async function settleRoom(deps: FinalizeDeps, showId: string, status: ShowStatus): Promise<void> {
  const retryAfter = { 'Retry-After': String(Math.max(1, Math.ceil(deps.settleTimeoutMs / 1000))) };
  let answer: RoomResult<RoomSettlement>;
  try {
    answer = await deps.settleRoom(showId, { status, timeoutMs: deps.settleTimeoutMs });
  } catch {
    answer = { ok: false, error: { code: 'room_unavailable', message: 'The live room could not be reached.' } };
  }
  if (!answer.ok)
    throw new ApiError(
      503,
      'room_unavailable',
      `The live room could not confirm its votes (${answer.error.message}); nothing was scored. Send the same request again.`,
      undefined,
      retryAfter,
    );
  if (!answer.value.settled)
    throw new ApiError(
      503,
      'votes_in_flight',
      `${answer.value.pending} acknowledged vote event(s) have not reached the database yet; nothing was scored. Send the same request again shortly.`,
      { pending: answer.value.pending },
      retryAfter,
    );
}

/**
 * Scores a show inside the caller's transaction from the rows as they are: the prediction (show_accuracy), each
 * voter's points (fan_scores, replaced) and those fans' leaderboard rollups (rollups.ts). Finalisation and the
 * recovery rebuild (workers/api/src/recovery/rebuild.ts) share it, so a rebuilt score is the score finalisation
 * gives.
 */
export async function scoreShowInTx(
  tx: Transaction,
  show: { id: string; artistId: string; startsAt: Date },
  played: Parameters<typeof scorePrediction>[1],
) {
  const showId = show.id;
  // The predicted setlist with its votes, counted from the vote rows themselves (not the vote_count cache),
  // so the show's score and the fans' points come from the same rows.
  const [predicted, activeVotes] = await Promise.all([
    tx
      .select({
        setlistSongId: setlistSongs.id,
        songId: setlistSongs.songId,
        title: songs.title,
        createdAt: setlistSongs.createdAt,
      })
      .from(setlistSongs)
      .innerJoin(songs, eq(songs.id, setlistSongs.songId))
      .where(eq(setlistSongs.showId, showId)),
    tx
      .select({ userId: votes.userId, setlistSongId: votes.setlistSongId })
      .from(votes)
      .where(and(eq(votes.showId, showId), eq(votes.active, true))),
  ]);
  const songOf = new Map(predicted.map((p) => [p.setlistSongId, p.songId]));
  const counts = new Map<string, number>();
  const votesByFan = new Map<string, string[]>();
  for (const v of activeVotes) {
    const songId = songOf.get(v.setlistSongId);
    if (!songId) continue;
    counts.set(songId, (counts.get(songId) ?? 0) + 1);
    const mine = votesByFan.get(v.userId);
    if (mine) mine.push(songId);
    else votesByFan.set(v.userId, [songId]);
  }
  const result = scorePrediction(
    predicted.map((p) => ({
      songId: p.songId,
      title: p.title,
      votes: counts.get(p.songId) ?? 0,
      addedAt: p.createdAt.getTime(),
    })),
    played,
  );
  const fans = fanPoints(votesByFan, played, result.topSongIds);
  const now = new Date();

  const accuracy = {
    topN: result.score.topN,
    precision: result.score.precision,
    recall: result.score.recall,
    positionBonus: result.score.positionBonus,
    score: result.score.score,
    details: { ...result.details, hits: result.score.hits },
    computedAt: now,
  };
  await tx
    .insert(showAccuracy)
    .values({ showId, ...accuracy })
    .onConflictDoUpdate({ target: showAccuracy.showId, set: accuracy });
  const previous = await tx
    .select({ userId: fanScores.userId, startsAt: fanScores.showStartsAt, artistId: fanScores.artistId })
    .from(fanScores)
    .where(eq(fanScores.showId, showId));
  await tx.delete(fanScores).where(eq(fanScores.showId, showId));
  for (let i = 0; i < fans.length; i += FAN_SCORE_BATCH) {
    await tx.insert(fanScores).values(
      fans.slice(i, i + FAN_SCORE_BATCH).map((f) => ({
        showId,
        userId: f.userId,
        artistId: show.artistId,
        points: f.points,
        songsHit: f.songsHit,
        songsVoted: f.songsVoted,
        showStartsAt: show.startsAt,
        computedAt: now,
      })),
    );
  }
  await refreshFanRollups(
    tx,
    [...previous.map((p) => p.userId), ...fans.map((f) => f.userId)],
    [show.startsAt, ...previous.map((p) => p.startsAt)],
    [show.artistId, ...previous.map((p) => p.artistId)],
  );
  return { result, fans };
}
