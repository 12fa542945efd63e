/**
 * Logs Postgres round trips slower than SLOW_STATEMENT_MS (`slow statement`, warn) with the current trace id
 * (src/shared/trace/context.ts), the duration and a fingerprint of the SQL (fingerprint.ts) — never its
 * parameters. It wraps every round trip of a worker's database handles (client.ts), inside any other guard, so
 * the time measured is Postgres', not a wait for the circuit breaker.
 */
import { createLogger, type Logger, parseLogLevel } from '../log';
import { normalizeSql, sqlFingerprint } from './fingerprint';
import type { DatabaseGuard } from './guarded-pool';

export interface SlowStatementEnv {
  /** Milliseconds; empty, 0 or invalid: off. */
  SLOW_STATEMENT_MS?: string;
  LOG_LEVEL?: string;
}

export function slowStatementGuard(thresholdMs: number, log: Logger): DatabaseGuard {
  return {
    async run<T>(roundTrip: () => Promise<T>, statement?: string): Promise<T> {
      const started = performance.now();
      try {
        return await roundTrip();
      } finally {
        const durationMs = performance.now() - started;
        if (durationMs >= thresholdMs) {
          const text = statement ?? '(unknown statement)';
          log.warn('slow statement', {
            durationMs: Math.round(durationMs * 10) / 10,
            thresholdMs,
            fingerprint: sqlFingerprint(text),
            statement: normalizeSql(text).slice(0, 300),
          });
        }
      }
    },
  };
}

/** The env's slow-statement guard, or undefined when the threshold is off. */
export function slowStatementGuardOf(env: SlowStatementEnv): DatabaseGuard | undefined {
  const thresholdMs = Number(env.SLOW_STATEMENT_MS);
  if (!Number.isFinite(thresholdMs) || thresholdMs <= 0) return undefined;
  return slowStatementGuard(
    thresholdMs,
    createLogger({ component: 'postgres' }, { level: parseLogLevel(env.LOG_LEVEL) }),
  );
}

/** `outer` around `inner`: each round trip goes through both, the statement text handed to each. */
export function composeGuards(outer: DatabaseGuard | undefined, inner: DatabaseGuard | undefined) {
  if (!outer || !inner) return outer ?? inner;
  return {
    run: <T>(roundTrip: () => Promise<T>, statement?: string) =>
      outer.run(() => inner.run(roundTrip, statement), statement),
  } satisfies DatabaseGuard;
}
