/**
 * A moderator's review of a vote anomaly (routes/admin-analytics.ts): Postgres decides (discounts.ts), then the
 * decision is audited and the show's live room applies it too, or its fans keep seeing the old tallies.
 */
import type { Context } from 'hono';
import { errors } from '#shared/errors';
import { placedRoom } from '#shared/regions/room-address';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { discountAnomaly, restoreAnomaly } from './discounts';

/** Discounting and restoring are idempotent: 404 for an unknown anomaly, 503 when the room did not take it. */
export async function reviewAnomaly(c: Context<AppEnv>, id: string, decision: 'discount' | 'restore') {
  const decide = decision === 'discount' ? discountAnomaly : restoreAnomaly;
  const result = await decide(c.var.database.db, id, c.var.caller!.user.id);
  if (!result) throw errors.notFound('anomaly');
  const votes = result.voteIds.length;
  await recordAudit(c, `vote_anomaly.${decision}`, { type: 'vote_anomaly', id }, { showId: result.showId, votes });
  const room = await (await placedRoom(c.env, result.showId, () => c.var.database.primaryHttp)).setDiscounted(
    result.showId,
    result.voteIds,
    result.status === 'discounted',
  );
  if (!room.ok) {
    // Postgres is already right and the call is idempotent: the moderator retries, or the room reloads later.
    c.var.log.warn('room did not apply the discount', { error: room.error, showId: result.showId });
    throw errors.unavailable(
      'The votes were updated, but the live room did not take the change yet; repeat the request.',
    );
  }
  return c.json({ id, showId: result.showId, status: result.status, votes, counts: room.value.changed }, 200);
}
