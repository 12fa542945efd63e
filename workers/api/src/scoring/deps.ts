/** The database and the show's room, as the shared scoring functions (src/shared/scoring) take them. */
import type { Context } from 'hono';
import { showRoomStub } from '#shared/room-rpc';
import type { ActualSetlistDeps } from '#shared/scoring/actual-setlist';
import { type FinalizeDeps, settleTimeoutMs } from '#shared/scoring/finalize';
import type { AppEnv } from '../app-env';

export const actualSetlistDeps = (c: Context<AppEnv>): ActualSetlistDeps => ({
  db: c.var.database.db.$primary,
  tellRoom: (showId, update) => showRoomStub(c.env.SHOW_ROOM, showId).syncActualSetlist(showId, update),
});

/** Finalisation also asks the room to confirm its acknowledged votes first (docs/scoring.md). */
export const finalizeDeps = (c: Context<AppEnv>): FinalizeDeps => ({
  ...actualSetlistDeps(c),
  settleRoom: (showId, request) => showRoomStub(c.env.SHOW_ROOM, showId).settleVotes(showId, request),
  settleTimeoutMs: settleTimeoutMs(c.env.FINALIZE_SETTLE_SECONDS),
});
