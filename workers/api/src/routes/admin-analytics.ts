import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { errors } from '#shared/errors';
import { showRoomStub } from '#shared/room-rpc';
import { AdminMetrics, AnomalyReview, AnomalyStatus, VoteAnomalyList } from '#shared/schemas/admin-analytics';
import { listAnomalies } from '../analytics/anomaly-list';
import { discountAnomaly, type ReviewResult, restoreAnomaly } from '../analytics/discounts';
import { computeMetrics } from '../analytics/metrics';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { route } from '../http/route';

const MetricsQuery = z.object({
  windowMinutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(60)
    .default(5)
    .meta({ description: 'The recent window the rates are computed over.' }),
});

const AnomaliesQuery = z.object({
  status: AnomalyStatus.optional(),
  showId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const AnomalyParams = z.object({ id: z.uuid() });
/** Postgres has the decision; the live room must apply it too, or its fans keep seeing the old tallies. */
async function applyToRoom(c: Context<AppEnv>, id: string, result: ReviewResult, action: string) {
  await recordAudit(c, action, { type: 'vote_anomaly', id }, { showId: result.showId, votes: result.voteIds.length });
  const room = await showRoomStub(c.env.SHOW_ROOM, result.showId).setDiscounted(
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
  return c.json(
    { id, showId: result.showId, status: result.status, votes: result.voteIds.length, counts: room.value.changed },
    200,
  );
}

/** Operational metrics and vote anomalies, for moderators and admins (docs/analytics.md). */
export const adminAnalyticsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      method: 'get',
      path: '/admin/metrics',
      tag: 'Operations',
      summary: 'Real-time metrics: votes per minute, live rooms, top shows, queue lag, error rates and p95 per route',
      description: 'Every figure comes from what the system records; sources in docs/analytics.md.',
      auth: 'staff',
      query: MetricsQuery,
      response: [200, 'The figures over the window.', AdminMetrics],
      errors: [400],
    }),
    async (c) => {
      const { windowMinutes } = c.req.valid('query');
      return c.json(await computeMetrics(c.var.database.db, new Date(), windowMinutes), 200);
    },
  )
  .openapi(
    route({
      method: 'get',
      path: '/admin/anomalies',
      tag: 'Operations',
      summary: 'Vote anomalies flagged by the detector, newest first',
      auth: 'staff',
      query: AnomaliesQuery,
      response: [200, 'Flagged clusters with their evidence.', VoteAnomalyList],
      errors: [400],
    }),
    async (c) => {
      return c.json({ items: await listAnomalies(c.var.database.db, c.req.valid('query')) }, 200);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/admin/anomalies/{id}/discount',
      tag: 'Operations',
      summary: "Discount a flagged anomaly's votes: counts are recomputed, nothing is deleted",
      description:
        'Idempotent. Recounts Postgres (setlist_songs.vote_count) and the live room, which broadcasts the new tallies. Audited. Undo with DELETE.',
      auth: 'staff',
      params: AnomalyParams,
      response: [200, 'Discounted.', AnomalyReview],
      errors: [400, 404, 503],
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const result = await discountAnomaly(c.var.database.db, id, c.var.caller!.user.id);
      if (!result) throw errors.notFound('anomaly');
      return applyToRoom(c, id, result, 'vote_anomaly.discount');
    },
  )
  .openapi(
    route({
      method: 'delete',
      path: '/admin/anomalies/{id}/discount',
      tag: 'Operations',
      summary: "Count a discounted anomaly's votes again",
      description: 'Idempotent. Recounts Postgres and the live room. Audited.',
      auth: 'staff',
      params: AnomalyParams,
      response: [200, 'Restored.', AnomalyReview],
      errors: [400, 404, 503],
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const result = await restoreAnomaly(c.var.database.db, id, c.var.caller!.user.id);
      if (!result) throw errors.notFound('anomaly');
      return applyToRoom(c, id, result, 'vote_anomaly.restore');
    },
  );
