import type { PrimaryDatabase } from '#shared/db/client';
import { ApiError } from '#shared/errors';
import { enqueueSetlistPublished } from '#shared/notifications/enqueue';
import { placedRoom } from '#shared/regions/room-address';
import { finalizeShow, settleTimeoutMs } from '#shared/scoring/finalize';
import type { SetlistHooks } from '../ingest/actual-setlist';
import type { ConsumerDeps } from './retry-policy';

/**
 * A setlist imported from setlist.fm is final: the show is completed and scored, the room announces the result
 * and the fans who voted are told their score — the same finalisation a moderator triggers over HTTP.
 *
 * Both steps are idempotent (finalisation recomputes from the rows; the trigger has a key), so a retried
 * delivery that calls this again changes nothing. A show that cannot be scored (cancelled, or nothing played)
 * is logged rather than thrown: retrying would never fix it. Anything else throws, and the step is retried: a
 * room that could not confirm its acknowledged votes in time (503 votes_in_flight) is asked again then.
 */
export const finalizeImportedSetlist = (env: Env, db: PrimaryDatabase, deps: ConsumerDeps): SetlistHooks => ({
  async onActualSetlistFinal(showId) {
    try {
      const outcome = await finalizeShow(
        {
          db,
          tellRoom: async (id, update) => (await placedRoom(env, id)).syncActualSetlist(id, update),
          settleRoom: async (id, request) => (await placedRoom(env, id)).settleVotes(id, request),
          settleTimeoutMs: settleTimeoutMs(env.FINALIZE_SETTLE_SECONDS),
        },
        showId,
      );
      deps.log.info('show finalised from its imported setlist', {
        showId,
        score: outcome.score.score,
        fans: outcome.fans,
        pointsAwarded: outcome.pointsAwarded,
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        deps.log.warn('imported setlist not scored', { showId, code: err.code });
        return;
      }
      throw err;
    }
    try {
      await enqueueSetlistPublished(db, env.NOTIFICATIONS, showId);
    } catch (err) {
      // The trigger is recorded before it is sent; the notifications cron re-sends one that was not.
      deps.log.warn('setlist publication not enqueued', { err, showId });
    }
  },
});
