/** The database and the show's room, as the shared scoring functions (src/shared/scoring) take them. */
import type { Context } from 'hono';
import { placedRoom } from '#shared/regions/room-address';
import type { ActualSetlistDeps } from '#shared/scoring/actual-setlist';
import { type FinalizeDeps, settleTimeoutMs } from '#shared/scoring/finalize';
import type { AppEnv } from '../app-env';

export const actualSetlistDeps = (c: Context<AppEnv>): ActualSetlistDeps => ({
  db: c.var.database.db.$primary,
  tellRoom: async (showId, update) =>
    (await placedRoom(c.env, showId, () => c.var.database.primaryHttp)).syncActualSetlist(showId, update),
});

/** Finalisation also asks the room to confirm its acknowledged votes first (docs/scoring.md). */
export const finalizeDeps = (c: Context<AppEnv>): FinalizeDeps => ({
  ...actualSetlistDeps(c),
  settleRoom: async (showId, request) =>
    (await placedRoom(c.env, showId, () => c.var.database.primaryHttp)).settleVotes(showId, request),
  settleTimeoutMs: settleTimeoutMs(c.env.FINALIZE_SETTLE_SECONDS),
});
