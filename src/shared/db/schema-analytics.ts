/**
 * Analytics (issue #7 part 2): rollups of `analytics_events`, the figures behind GET /v1/admin/metrics, and
 * vote anomalies with their discounts. `analytics_events` itself stays in schema.ts; migration
 * `*_analytics_custom.sql` turns it into a table partitioned by month (drizzle-kit cannot express that).
 * See docs/analytics.md.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { belongsTo, createdAt, primaryId, refersTo, timestamptz, updatedAt, writtenAt } from './columns';
import { shows, users } from './schema';

/** What each analytics rollup keeps per time bucket: events and distinct users per kind and show. */
const rollupCounts = () => ({
  kind: text('kind').notNull(),
  showId: uuid('show_id').notNull(),
  events: integer('events').notNull(),
  users: integer('users').notNull(),
  computedAt: writtenAt('computed_at'),
});

/** Events per hour, kind and show (the nil uuid when an event has no show). Recomputed, never incremented. */
export const analyticsRollupHourly = pgTable(
  'analytics_rollup_hourly',
  {
    bucket: timestamptz('bucket').notNull(),
    ...rollupCounts(),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.kind, t.showId] })],
);

/** Events per UTC day, kind and show. Kept after the raw partitions are dropped (docs/analytics.md, retention). */
export const analyticsRollupDaily = pgTable(
  'analytics_rollup_daily',
  {
    day: date('day').notNull(),
    ...rollupCounts(),
  },
  (t) => [primaryKey({ columns: [t.day, t.kind, t.showId] })],
);

/** The latest socket count each live room reported (rooms report while they have sockets). */
export const roomPresence = pgTable(
  'room_presence',
  {
    showId: uuid('show_id').primaryKey(),
    sockets: integer('sockets').notNull(),
    reportedAt: timestamptz('reported_at').notNull(),
    /** The room's vote→update p95 (decision to broadcast, ms) since its previous report; null without votes. */
    voteUpdateP95Ms: integer('vote_update_p95_ms'),
  },
  (t) => [index('room_presence_reported_at_idx').on(t.reportedAt)],
);

/**
 * Per minute and route: request counts, errors and a latency histogram (bucket upper bounds in
 * workers/api/src/analytics/request-metrics.ts). Isolates aggregate in memory and flush through the ANALYTICS
 * queue; the consumer adds their counts in (upsert), so this is never one write per request.
 */
export const requestMetrics = pgTable(
  'request_metrics',
  {
    minute: timestamptz('minute').notNull(),
    route: text('route').notNull(),
    requests: integer('requests').notNull(),
    clientErrors: integer('client_errors').notNull(),
    serverErrors: integer('server_errors').notNull(),
    latencyBuckets: integer('latency_buckets').array().notNull(),
    latencySumMs: doublePrecision('latency_sum_ms').notNull(),
  },
  (t) => [primaryKey({ columns: [t.minute, t.route] })],
);

/** Per minute and queue: messages consumed and their lag (consume time minus the message's enqueue timestamp). */
export const queueLag = pgTable(
  'queue_lag',
  {
    minute: timestamptz('minute').notNull(),
    queue: text('queue').notNull(),
    messages: integer('messages').notNull(),
    lagSumMs: bigint('lag_sum_ms', { mode: 'number' }).notNull(),
    lagMaxMs: integer('lag_max_ms').notNull(),
  },
  (t) => [primaryKey({ columns: [t.minute, t.queue] })],
);

/**
 * A suspicious cluster of votes found by the detector (workers/api/src/analytics/anomalies.ts). One row per
 * show, rule, subject (a setlist song, a network id, or the show) and 10-minute window: a detector run that sees
 * the same cluster again updates the row instead of adding one.
 */
export const voteAnomalies = pgTable(
  'vote_anomalies',
  {
    id: primaryId(),
    showId: belongsTo('show_id', () => shows.id),
    rule: text('rule').notNull(),
    subject: text('subject').notNull(),
    windowBucket: timestamptz('window_bucket').notNull(),
    windowStart: timestamptz('window_start').notNull(),
    windowEnd: timestamptz('window_end').notNull(),
    evidence: jsonb('evidence').notNull().default(sql`'{}'::jsonb`),
    voteIds: uuid('vote_ids').array().notNull(),
    /** open | discounted | restored */
    status: text('status').notNull().default('open'),
    detectedAt: writtenAt('detected_at'),
    updatedAt: updatedAt(),
    reviewedBy: refersTo('reviewed_by', () => users.id),
    reviewedAt: timestamptz('reviewed_at'),
  },
  (t) => [
    uniqueIndex('vote_anomalies_window_key').on(t.showId, t.rule, t.subject, t.windowBucket),
    index('vote_anomalies_status_detected_idx').on(t.status, t.detectedAt.desc().nullsFirst()),
  ],
);

/**
 * Votes a moderator discounted: they stay in `votes` (nothing is deleted) but no count includes them. No
 * foreign key to votes.id on purpose: the vote consumer rewrites a vote row's id when a fan votes again after
 * taking a vote back, and that new vote is a new act, counted again.
 */
export const voteDiscounts = pgTable(
  'vote_discounts',
  {
    voteId: uuid('vote_id').primaryKey(),
    anomalyId: belongsTo('anomaly_id', () => voteAnomalies.id),
    showId: uuid('show_id').notNull(),
    discountedBy: refersTo('discounted_by', () => users.id),
    createdAt: createdAt(),
  },
  (t) => [index('vote_discounts_anomaly_idx').on(t.anomalyId), index('vote_discounts_show_idx').on(t.showId)],
);
