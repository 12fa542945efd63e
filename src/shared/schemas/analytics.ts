/**
 * Payloads of the ANALYTICS queue events that are figures rather than product events: the api worker's
 * per-isolate request metrics and the rooms' socket counts. Their `kind` routes them in the analytics consumer
 * to their tables (request_metrics, room_presence) instead of analytics_events. See docs/analytics.md.
 */
import { z } from 'zod';
import { IsoDateTime } from './common';

/** Upper bounds (ms) of the latency histogram buckets; one more bucket counts everything slower. */
export const LATENCY_BOUNDS_MS = [5, 10, 25, 50, 100, 200, 300, 500, 1000, 2000, 5000] as const;
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

export const REQUEST_METRICS_KIND = 'request_metrics';
export const ROOM_PRESENCE_KIND = 'room_presence';

export const RequestMetricsRow = z.object({
  /** The minute the requests ended in (ISO, seconds zero). */
  minute: IsoDateTime,
  /** "METHOD /route/:pattern", or "unmatched". */
  route: z.string().min(1).max(200),
  requests: z.number().int().min(0),
  clientErrors: z.number().int().min(0),
  serverErrors: z.number().int().min(0),
  latencyBuckets: z.array(z.number().int().min(0)).length(LATENCY_BUCKETS),
  latencySumMs: z.number().min(0),
});
export type RequestMetricsRow = z.infer<typeof RequestMetricsRow>;

export const RequestMetricsData = z.object({ rows: z.array(RequestMetricsRow).max(500) });
export type RequestMetricsData = z.infer<typeof RequestMetricsData>;

export const RoomPresenceData = z.object({
  sockets: z.number().int().min(0),
  /** The room's vote→update p95 (a vote's decision to the broadcast carrying it, ms) since its last report. */
  voteUpdateP95Ms: z.number().int().min(0).optional(),
});
export type RoomPresenceData = z.infer<typeof RoomPresenceData>;
