import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { errors } from '#shared/errors';
import { placedRoom } from '#shared/regions/room-address';
import { AdminMetrics, AnomalyReview, AnomalyStatus, VoteAnomalyList } from '#shared/schemas/admin-analytics';
import { listAnomalies } from '../analytics/anomaly-list';
import { discountAnomaly, type ReviewResult, restoreAnomaly } from '../analytics/discounts';
import { computeMetrics } from '../analytics/metrics';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { errorResponses, json, SIGNED_IN } from '../http/openapi';
import { requireRole } from '../middleware/session/require-role';

const STAFF = ['moderator', 'admin'] as const;

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
  return c.json(
    { id, showId: result.showId, status: result.status, votes: result.voteIds.length, counts: room.value.changed },
    200,
  );
}

/** Operational metrics and vote anomalies, for moderators and admins (docs/analytics.md). */
export const adminAnalyticsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/admin/metrics',
      tags: ['Operations'],
      summary: 'Real-time metrics: votes per minute, live rooms, top shows, queue lag, error rates and p95 per route',
      description: 'Every figure comes from what the system records; sources in docs/analytics.md.',
      middleware: [requireRole(...STAFF)] as const,
      security: SIGNED_IN,
      request: { query: MetricsQuery },
      responses: {
        200: { description: 'The figures over the window.', ...json(AdminMetrics) },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { windowMinutes } = c.req.valid('query');
      return c.json(await computeMetrics(c.var.database.db, new Date(), windowMinutes), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/admin/anomalies',
      tags: ['Operations'],
      summary: 'Vote anomalies flagged by the detector, newest first',
      middleware: [requireRole(...STAFF)] as const,
      security: SIGNED_IN,
      request: { query: AnomaliesQuery },
      responses: {
        200: { description: 'Flagged clusters with their evidence.', ...json(VoteAnomalyList) },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      return c.json({ items: await listAnomalies(c.var.database.db, c.req.valid('query')) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/admin/anomalies/{id}/discount',
      tags: ['Operations'],
      summary: "Discount a flagged anomaly's votes: counts are recomputed, nothing is deleted",
      description:
        'Idempotent. Recounts Postgres (setlist_songs.vote_count) and the live room, which broadcasts the new tallies. Audited. Undo with DELETE.',
      middleware: [requireRole(...STAFF)] as const,
      security: SIGNED_IN,
      request: { params: AnomalyParams },
      responses: {
        200: { description: 'Discounted.', ...json(AnomalyReview) },
        ...errorResponses(400, 401, 403, 404, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const result = await discountAnomaly(c.var.database.db, id, c.var.caller!.user.id);
      if (!result) throw errors.notFound('anomaly');
      return applyToRoom(c, id, result, 'vote_anomaly.discount');
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/admin/anomalies/{id}/discount',
      tags: ['Operations'],
      summary: "Count a discounted anomaly's votes again",
      description: 'Idempotent. Recounts Postgres and the live room. Audited.',
      middleware: [requireRole(...STAFF)] as const,
      security: SIGNED_IN,
      request: { params: AnomalyParams },
      responses: {
        200: { description: 'Restored.', ...json(AnomalyReview) },
        ...errorResponses(400, 401, 403, 404, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const result = await restoreAnomaly(c.var.database.db, id, c.var.caller!.user.id);
      if (!result) throw errors.notFound('anomaly');
      return applyToRoom(c, id, result, 'vote_anomaly.restore');
    },
  );
