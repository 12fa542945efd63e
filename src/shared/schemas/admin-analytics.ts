/**
 * The staff analytics endpoints' bodies (docs/analytics.md): GET /v1/admin/metrics and the vote anomalies. The ops
 * and anomalies pages and client/ops.ts read the same shapes (as types only: no zod in the page scripts).
 */
import { z } from 'zod';

export const AdminMetrics = z
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

export const AnomalyStatus = z.enum(['open', 'discounted', 'restored']);
export const VoteAnomaly = z
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
export const VoteAnomalyList = z.object({ items: z.array(VoteAnomaly) }).meta({ id: 'VoteAnomalyList' });
export const AnomalyReview = z
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

export type AnomalyStatus = z.infer<typeof AnomalyStatus>;
export type AdminMetrics = z.infer<typeof AdminMetrics>;
export type VoteAnomaly = z.infer<typeof VoteAnomaly>;
export type AnomalyReview = z.infer<typeof AnomalyReview>;
