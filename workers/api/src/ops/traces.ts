import { asc, eq, lt } from 'drizzle-orm';
import type { Database } from '#shared/db/client';
import { traceHops } from '#shared/db/schema';
import { HOUR_MS } from '#shared/time';
import type { TraceHop } from '#shared/trace/spans';

/** The recorded hops of one trace in the order they started (at most 500: a trace is one vote, not a load test). */
export async function traceHopsOf(db: Database, traceId: string): Promise<TraceHop[]> {
  const rows = await db.$primary
    .select()
    .from(traceHops)
    .where(eq(traceHops.traceId, traceId))
    .orderBy(asc(traceHops.startedAt), asc(traceHops.spanId))
    .limit(500);
  return rows.map((r) => ({
    traceId: r.traceId,
    spanId: r.spanId,
    parentSpanId: r.parentSpanId,
    service: r.service,
    name: r.name,
    startedAt: r.startedAt.toISOString(),
    durationMs: r.durationMs,
    attrs: r.attrs,
  }));
}

/** Retention of trace_hops (the hourly cron): rows older than `hours` go. */
export async function deleteOldTraceHops(db: Database, now: Date, hours: number): Promise<number> {
  const cutoff = new Date(now.getTime() - hours * HOUR_MS);
  const deleted = await db.$primary
    .delete(traceHops)
    .where(lt(traceHops.startedAt, cutoff))
    .returning({ id: traceHops.spanId });
  return deleted.length;
}
