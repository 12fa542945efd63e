import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { AdminMetrics, AnomalyReview, AnomalyStatus, VoteAnomalyList } from '#shared/schemas/admin-analytics';
import { listAnomalies } from '../analytics/anomaly-list';
import { computeMetrics } from '../analytics/metrics';
import { reviewAnomaly } from '../analytics/review';
import type { AppEnv } from '../app-env';
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
/** Discounting an anomaly and taking that back: one URL, one answer. */
const REVIEW = {
  path: '/admin/anomalies/{id}/discount',
  tag: 'Operations',
  auth: 'staff',
  params: AnomalyParams,
  errors: [400, 404, 503],
} as const;

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
      ...REVIEW,
      method: 'post',
      summary: "Discount a flagged anomaly's votes: counts are recomputed, nothing is deleted",
      description:
        'Idempotent. Recounts Postgres (setlist_songs.vote_count) and the live room, which broadcasts the new tallies. Audited. Undo with DELETE.',
      response: [200, 'Discounted.', AnomalyReview],
    }),
    async (c) => reviewAnomaly(c, c.req.valid('param').id, 'discount'),
  )
  .openapi(
    route({
      ...REVIEW,
      method: 'delete',
      summary: "Count a discounted anomaly's votes again",
      description: 'Idempotent. Recounts Postgres and the live room. Audited.',
      response: [200, 'Restored.', AnomalyReview],
    }),
    async (c) => reviewAnomaly(c, c.req.valid('param').id, 'restore'),
  );
