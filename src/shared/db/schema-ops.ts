/**
 * Operations (issue #15): the hops of sampled traces (for `/ops` and GET /v1/admin/traces/{traceId}) and alerts.
 * See docs/operations.md.
 */
import { sql } from 'drizzle-orm';
import { doublePrecision, index, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { primaryId, timestamptz } from './columns';

/**
 * One row per hop of a sampled trace (src/shared/trace/spans.ts). Bounded: only sampled traces are written, and
 * the hourly cron deletes rows older than TRACE_RETENTION_HOURS. A redelivered queue message writes its hops
 * again; the primary key keeps one.
 */
export const traceHops = pgTable(
  'trace_hops',
  {
    traceId: text('trace_id').notNull(),
    spanId: text('span_id').notNull(),
    parentSpanId: text('parent_span_id'),
    service: text('service').notNull(),
    name: text('name').notNull(),
    startedAt: timestamptz('started_at').notNull(),
    durationMs: doublePrecision('duration_ms').notNull(),
    attrs: jsonb('attrs').$type<Record<string, string | number | boolean>>().notNull().default({}),
  },
  (t) => [primaryKey({ columns: [t.traceId, t.spanId] }), index('trace_hops_started_at_idx').on(t.startedAt)],
);

/**
 * Alerts (workers/api/src/alerts, docs/operations.md#alerts): one row per episode of a rule on a subject (a
 * route, a queue, a room). `pending` while the condition holds for less than the rule's duration, `firing` after,
 * `resolved` once it no longer holds. At most one active (pending or firing) row per rule and subject: the
 * partial unique index is the de-duplication.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: primaryId(),
    rule: text('rule').notNull(),
    subject: text('subject').notNull(),
    state: text('state').$type<'pending' | 'firing' | 'resolved'>().notNull(),
    severity: text('severity').$type<'critical' | 'error' | 'warning'>().notNull(),
    summary: text('summary').notNull(),
    value: doublePrecision('value').notNull(),
    threshold: doublePrecision('threshold').notNull(),
    startedAt: timestamptz('started_at').notNull(),
    firedAt: timestamptz('fired_at'),
    resolvedAt: timestamptz('resolved_at'),
    lastSeenAt: timestamptz('last_seen_at').notNull(),
  },
  (t) => [
    uniqueIndex('alerts_active_key').on(t.rule, t.subject).where(sql`${t.state} <> 'resolved'`),
    index('alerts_started_at_idx').on(t.startedAt),
  ],
);
