import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { matchedRoutes } from 'hono/route';
import { REQUEST_METRICS_KIND } from '#shared/schemas/analytics';
import type { AnalyticsEvent } from '#shared/schemas/events';
import { RequestMetrics } from '../../analytics/request-metrics';
import type { AppEnv } from '../../app-env';

/** One aggregator per isolate: module state lives as long as the isolate. */
const isolateMetrics = new RequestMetrics();

/** "METHOD /pattern" of the route that answered, or "unmatched" when only middleware (and not-found) ran. */
export function routeLabel(c: Context<AppEnv>): string {
  const last = matchedRoutes(c).at(-1);
  if (!last || last.method === 'ALL') return 'unmatched';
  return `${c.req.method} ${last.path}`;
}

/**
 * Records one request in the aggregator and, when a flush is due, sends the aggregate as one `request_metrics`
 * event to the ANALYTICS queue after the response (`waitUntil`). Also used by what answers before the app runs
 * (rate-limit/early-refusal.ts).
 */
export function recordRequest(
  metrics: RequestMetrics,
  env: Env,
  ctx: Pick<ExecutionContext, 'waitUntil'> | undefined,
  route: string,
  status: number,
  durationMs: number,
  onSendError: (err: unknown) => void = () => {},
  now = Date.now(),
): void {
  metrics.record(route, status, durationMs, now);
  const rows = metrics.takeIfDue(now);
  if (!rows?.length) return;
  const event: AnalyticsEvent = {
    v: 1,
    eventId: crypto.randomUUID(),
    kind: REQUEST_METRICS_KIND,
    at: new Date(now).toISOString(),
    data: { rows },
  };
  const sending = env.ANALYTICS.send(event, { contentType: 'json' }).catch(onSendError);
  try {
    ctx?.waitUntil(sending);
  } catch {
    // No execution context (app.request() in a test): the send still runs, unawaited.
  }
}

/** A request of this isolate answered outside the app (rate-limit/early-refusal.ts), in the same aggregate. */
export const recordIsolateRequest = (
  env: Env,
  ctx: ExecutionContext,
  route: string,
  status: number,
  durationMs: number,
): void => recordRequest(isolateMetrics, env, ctx, route, status, durationMs);

/**
 * Records every request's route, status and duration in the isolate's aggregator (request-metrics.ts) and,
 * when a flush is due, sends the aggregate as one `request_metrics` event to the ANALYTICS queue after the
 * response (`waitUntil`). GET /v1/admin/metrics computes error rates and p95 per route from what lands in
 * `request_metrics`.
 */
export const requestMetrics = (metrics: RequestMetrics = isolateMetrics) =>
  createMiddleware<AppEnv>(async function requestMetrics(c, next) {
    const started = Date.now();
    try {
      await next();
    } finally {
      const now = Date.now();
      let ctx: Pick<ExecutionContext, 'waitUntil'> | undefined;
      try {
        ctx = c.executionCtx;
      } catch {
        // No execution context (app.request() in a test).
      }
      // Hono's compose has already turned a thrown error into the error handler's response here.
      recordRequest(
        metrics,
        c.env,
        ctx,
        routeLabel(c),
        c.res.status,
        now - started,
        (err) => c.get('log')?.warn('request metrics not sent', { err }),
        now,
      );
    }
  });
