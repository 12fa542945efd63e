import type { NeonQueryFunction } from '@neondatabase/serverless';
import { type DatabaseEnv, openHttpSql } from '../db/client';
import { exportOtlp, type OtlpEnv } from './otlp';
import { INSERT_TRACE_HOPS, insertTraceHopsParams, type TraceHop } from './spans';

export type TraceEnv = DatabaseEnv & OtlpEnv;

/**
 * Stores the hops of sampled traces (one statement) and exports them over OTLP when configured. Never throws:
 * tracing must not fail the work it describes; a failure is returned for the caller to log.
 */
export async function recordHops(
  env: TraceEnv,
  hops: TraceHop[],
  sql: NeonQueryFunction<false, false> = openHttpSql(env),
): Promise<unknown[]> {
  if (!hops.length) return [];
  const results = await Promise.allSettled([
    sql.query(INSERT_TRACE_HOPS, insertTraceHopsParams(hops)),
    exportOtlp(env, hops),
  ]);
  return results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
}
