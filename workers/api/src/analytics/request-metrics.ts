import { LATENCY_BOUNDS_MS, LATENCY_BUCKETS, type RequestMetricsRow } from '#shared/schemas/analytics';

/** How often an isolate flushes its aggregated figures, and after how many requests it flushes sooner. */
export const FLUSH_INTERVAL_MS = 10_000;
export const FLUSH_AFTER_REQUESTS = 2_000;

function bucketOf(ms: number): number {
  const i = LATENCY_BOUNDS_MS.findIndex((bound) => ms <= bound);
  return i === -1 ? LATENCY_BUCKETS - 1 : i;
}

/**
 * Per-isolate aggregation of request latency and status, per minute and route: recording a request is a few
 * map operations; the figures leave the isolate as ONE queue message every FLUSH_INTERVAL_MS (or
 * FLUSH_AFTER_REQUESTS), never one write per request. An isolate evicted between flushes loses at most that
 * interval of figures: these are operational metrics, not the record of anything.
 */
export class RequestMetrics {
  #rows = new Map<string, RequestMetricsRow>();
  #pending = 0;
  #lastFlushAt: number;

  constructor(now = Date.now()) {
    this.#lastFlushAt = now;
  }

  /** The current minute's ISO string, formatted once per minute rather than once per request. */
  #minuteStart = -1;
  #minute = '';

  record(route: string, status: number, durationMs: number, now = Date.now()): void {
    const minuteStart = Math.floor(now / 60_000) * 60_000;
    if (minuteStart !== this.#minuteStart) {
      this.#minuteStart = minuteStart;
      this.#minute = new Date(minuteStart).toISOString();
    }
    const minute = this.#minute;
    const key = `${minute} ${route}`;
    let row = this.#rows.get(key);
    if (!row) {
      row = {
        minute,
        route,
        requests: 0,
        clientErrors: 0,
        serverErrors: 0,
        latencyBuckets: Array<number>(LATENCY_BUCKETS).fill(0),
        latencySumMs: 0,
      };
      this.#rows.set(key, row);
    }
    row.requests++;
    if (status >= 500) row.serverErrors++;
    else if (status >= 400) row.clientErrors++;
    row.latencyBuckets[bucketOf(durationMs)]!++;
    row.latencySumMs += durationMs;
    this.#pending++;
  }

  /** The rows to send when a flush is due (and forgets them), else undefined. */
  takeIfDue(now = Date.now()): RequestMetricsRow[] | undefined {
    if (!this.#pending) return undefined;
    if (now - this.#lastFlushAt < FLUSH_INTERVAL_MS && this.#pending < FLUSH_AFTER_REQUESTS) return undefined;
    return this.take(now);
  }

  take(now = Date.now()): RequestMetricsRow[] {
    const rows = [...this.#rows.values()];
    this.#rows = new Map();
    this.#pending = 0;
    this.#lastFlushAt = now;
    return rows;
  }
}

/**
 * p95 (or any quantile) of a latency histogram, as the upper bound of the bucket it falls in: an upper
 * estimate, never an invented interpolation. The overflow bucket reports the last bound with `>`.
 */
export function quantileFromBuckets(buckets: number[], q: number): { ms: number; overflow: boolean } | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (!total) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i]!;
    if (seen >= rank)
      return i < LATENCY_BOUNDS_MS.length
        ? { ms: LATENCY_BOUNDS_MS[i]!, overflow: false }
        : { ms: LATENCY_BOUNDS_MS.at(-1)!, overflow: true };
  }
  return null;
}
