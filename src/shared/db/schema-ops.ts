/**
 * Operations (issue #15): the hops of sampled traces, for `/ops` and GET /v1/admin/traces/{traceId}.
 * See docs/operations.md.
 */
import { doublePrecision, index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

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
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    durationMs: doublePrecision('duration_ms').notNull(),
    attrs: jsonb('attrs').$type<Record<string, string | number | boolean>>().notNull().default({}),
  },
  (t) => [primaryKey({ columns: [t.traceId, t.spanId] }), index('trace_hops_started_at_idx').on(t.startedAt)],
);
