import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { and, desc, eq, type SQL } from 'drizzle-orm';
import type { Context } from 'hono';
import { z } from 'zod';
import { voteAnomalies } from '#shared/db/schema';
import { errors } from '#shared/errors';
import { showRoomStub } from '#shared/room-rpc';
import { discountAnomaly, type ReviewResult, restoreAnomaly } from '../analytics/discounts';
import { computeMetrics } from '../analytics/metrics';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { requireRole } from '../middleware/session/require-role';
import { errorResponses, json, SIGNED_IN } from '../http/openapi';

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

const Metrics = z
  .object({
    at: z.string(),
    windowMinutes: z.number().int(),
    votes: z.object({
      perMinute: z.number().meta({ description: 'Votes per minute over the window (analytics_events, kind vote).' }),
      total: z.number().int(),
      series: z.array(z.object({ minute: z.string(), votes: z.number().int(), unvotes: z.number().int() })),
    }),
    rooms: z.object({
      active: z
        .number()
        .int()
        .meta({ description: 'Rooms whose latest socket report (room_presence) is fresh and non-zero.' }),
      sockets: z.number().int(),
      staleAfterSeconds: z.number().int(),
    }),
    topShows: z.array(
      z.object({ showId: z.uuid(), slug: z.string().nullable(), votes: z.number().int(), sockets: z.number().int() }),
    ),
    topShowsMinutes: z.number().int(),
    queues: z.array(
      z.object({
        queue: z.string(),
        messages: z.number().int(),
        avgLagMs: z.number().meta({ description: 'Mean of (consumer receive time − enqueue time).' }),
        maxLagMs: z.number(),
      }),
    ),
    routes: z.array(
      z.object({
        route: z.string(),
        requests: z.number().int(),
        errorRate: z.number().meta({ description: 'Share of 5xx answers.' }),
        clientErrorRate: z.number().meta({ description: 'Share of 4xx answers.' }),
        p95Ms: z
          .number()
          .nullable()
          .meta({ description: 'Upper bound of the histogram bucket holding the 95th percentile.' }),
        p95AboveHistogram: z.boolean(),
        meanMs: z.number().nullable(),
      }),
    ),
  })
  .meta({ id: 'AdminMetrics' });

const AnomalyStatus = z.enum(['open', 'discounted', 'restored']);
const Anomaly = z
  .object({
    id: z.uuid(),
    showId: z.uuid(),
    rule: z.enum(['new_account_burst', 'shared_network', 'rate_spike']),
    subject: z.string(),
    status: AnomalyStatus,
    windowStart: z.string(),
    windowEnd: z.string(),
    votes: z.number().int(),
    voteIds: z.array(z.uuid()),
    evidence: z
      .record(z.string(), z.unknown())
      .meta({ description: 'Accounts, counts, window, network ids, expected vs observed: see docs/analytics.md.' }),
    detectedAt: z.string(),
    reviewedBy: z.uuid().nullable(),
    reviewedAt: z.string().nullable(),
  })
  .meta({ id: 'VoteAnomaly' });
const AnomalyList = z.object({ items: z.array(Anomaly) }).meta({ id: 'VoteAnomalyList' });
const AnomaliesQuery = z.object({
  status: AnomalyStatus.optional(),
  showId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const AnomalyParams = z.object({ id: z.uuid() });
const ReviewResponse = z
  .object({
    id: z.uuid(),
    showId: z.uuid(),
    status: z.enum(['discounted', 'restored']),
    votes: z.number().int().meta({ description: 'Votes the decision applied to.' }),
    counts: z
      .array(z.object({ setlistSongId: z.uuid(), votes: z.number().int() }))
      .meta({ description: "The live room's tallies that changed." }),
  })
  .meta({ id: 'AnomalyReview' });

function toAnomaly(r: typeof voteAnomalies.$inferSelect): z.infer<typeof Anomaly> {
  return {
    id: r.id,
    showId: r.showId,
    rule: r.rule as z.infer<typeof Anomaly>['rule'],
    subject: r.subject,
    status: r.status as z.infer<typeof AnomalyStatus>,
    windowStart: r.windowStart.toISOString(),
    windowEnd: r.windowEnd.toISOString(),
    votes: r.voteIds.length,
    voteIds: r.voteIds,
    evidence: r.evidence as Record<string, unknown>,
    detectedAt: r.detectedAt.toISOString(),
    reviewedBy: r.reviewedBy,
    reviewedAt: r.reviewedAt?.toISOString() ?? null,
  };
}

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
        200: { description: 'The figures over the window.', ...json(Metrics) },
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
        200: { description: 'Flagged clusters with their evidence.', ...json(AnomalyList) },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const where: SQL[] = [];
      if (q.status) where.push(eq(voteAnomalies.status, q.status));
      if (q.showId) where.push(eq(voteAnomalies.showId, q.showId));
      const rows = await c.var.database.db.$primary
        .select()
        .from(voteAnomalies)
        .where(where.length ? and(...where) : undefined)
        .orderBy(desc(voteAnomalies.detectedAt), desc(voteAnomalies.id))
        .limit(q.limit);
      return c.json({ items: rows.map(toAnomaly) }, 200);
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
        200: { description: 'Discounted.', ...json(ReviewResponse) },
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
        200: { description: 'Restored.', ...json(ReviewResponse) },
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
