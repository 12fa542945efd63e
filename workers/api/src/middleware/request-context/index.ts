import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { matchedRoutes } from 'hono/route';
import { createLogger, parseLogLevel } from '#shared/log';
import { childOf, formatTraceparent, parseSampleRate, parseTraceparent, runWithTrace } from '#shared/trace/context';
import { recordHops } from '#shared/trace/record';
import { hop, type TraceHop } from '#shared/trace/spans';
import type { AppEnv } from '../../app-env';

const REQUEST_ID_HEADER = 'X-Request-Id';
const TRACEPARENT_HEADER = 'traceparent';
const VALID_INCOMING_ID = /^[A-Za-z0-9._:-]{8,100}$/;

/**
 * "METHOD /pattern" of the handler that answered: the last matched route of the request's own method (a
 * catch-all middleware may be matched after it), else the raw path.
 */
function hopName(c: Context<AppEnv>): string {
  const route = matchedRoutes(c).findLast((r) => r.method === c.req.method);
  return `${c.req.method} ${route?.path ?? c.req.path}`;
}

/**
 * Gives every request an id (the caller's `X-Request-Id` when it is well-formed) and a W3C trace: a child of the
 * caller's `traceparent` when it sends a valid one (keeping its sampling decision), else a new trace sampled at
 * TRACE_SAMPLE_RATE. The trace is current for the whole request (log lines carry its id), returned in the
 * `traceparent` response header, and the request's hops are recorded after the response when it is sampled.
 * Writes one structured access-log line per request.
 */
export const requestContext = () =>
  createMiddleware<AppEnv>(async function requestContext(c, next) {
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const requestId = incoming && VALID_INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID();
    const parent = parseTraceparent(c.req.header(TRACEPARENT_HEADER));
    const trace = childOf(parent, parseSampleRate(c.env.TRACE_SAMPLE_RATE));
    const log = createLogger(
      { requestId, traceId: trace.traceId, service: 'api' },
      { level: parseLogLevel(c.env.LOG_LEVEL) },
    );
    const hops: TraceHop[] = [];
    c.set('requestId', requestId);
    c.set('log', log);
    c.set('trace', trace);
    c.set('traceHops', hops);
    const started = Date.now();
    try {
      await runWithTrace(trace, next);
    } finally {
      c.header(REQUEST_ID_HEADER, requestId);
      c.header(TRACEPARENT_HEADER, formatTraceparent(trace));
      const durationMs = Date.now() - started;
      log.info('request', {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs,
        userId: c.get('caller')?.user.id,
      });
      if (trace.sampled) {
        hops.push(
          hop({
            traceId: trace.traceId,
            spanId: trace.spanId,
            parentSpanId: parent?.spanId ?? null,
            service: 'api',
            name: hopName(c),
            startedAt: started,
            durationMs,
            attrs: { status: c.res.status, requestId },
          }),
        );
        const recording = recordHops(c.env, hops).then((failures) => {
          for (const err of failures) log.warn('trace hops not recorded', { err });
        });
        try {
          c.executionCtx.waitUntil(recording);
        } catch {
          // No execution context (app.request() in a test): the recording still runs, unawaited.
        }
      }
    }
  });
