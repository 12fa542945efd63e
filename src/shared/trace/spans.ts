/**
 * Hops of a trace: one record per unit of work a trace went through (an HTTP request, an RPC call, the room's
 * decision, the outbox's send, the queue's delivery, a Postgres statement). Recorded only for sampled traces, in
 * `trace_hops` (retention: TRACE_RETENTION_HOURS, the hourly cron) for `/ops` and GET /v1/admin/traces/{traceId},
 * and exported as OpenTelemetry spans when an OTLP endpoint is configured (otlp.ts).
 */
import { z } from 'zod';
import { unnestParams } from '../db/unnest';
import { IsoDateTime } from '../schemas/common';

export const TraceHop = z.object({
  traceId: z.string().regex(/^[0-9a-f]{32}$/),
  spanId: z.string().regex(/^[0-9a-f]{16}$/),
  parentSpanId: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .nullable(),
  /** The worker that did the work: api, realtime, queue-consumers. */
  service: z.string().max(64),
  /** What the hop was: `POST /v1/shows/{showId}/votes`, `room.vote`, `queue vote-events`, `postgres …`. */
  name: z.string().max(200),
  startedAt: IsoDateTime,
  durationMs: z.number().min(0),
  /** A few small attributes (status, queue, show id, SQL fingerprint). */
  attrs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});
export type TraceHop = z.infer<typeof TraceHop>;

/** A hop that started at `startedAt` (ms epoch) and took `durationMs`. */
export function hop(
  fields: Omit<TraceHop, 'startedAt' | 'attrs' | 'durationMs'> & {
    startedAt: number;
    durationMs: number;
    attrs?: TraceHop['attrs'];
  },
): TraceHop {
  return {
    ...fields,
    startedAt: new Date(fields.startedAt).toISOString(),
    durationMs: Math.max(0, Math.round(fields.durationMs * 100) / 100),
    attrs: fields.attrs ?? {},
  };
}

/** One statement for any number of hops; a repeated hop (a redelivered message) is kept once. */
export const INSERT_TRACE_HOPS = `
insert into trace_hops (trace_id, span_id, parent_span_id, service, name, started_at, duration_ms, attrs)
select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::float8[], $8::jsonb[])
on conflict (trace_id, span_id) do nothing`;

export function insertTraceHopsParams(hops: TraceHop[]): unknown[] {
  return unnestParams(hops, [
    'traceId',
    'spanId',
    'parentSpanId',
    'service',
    'name',
    'startedAt',
    'durationMs',
    (h) => JSON.stringify(h.attrs),
  ]);
}
