import type { Context } from 'hono';
import { childOf, formatTraceparent } from '#shared/trace/context';
import { hop } from '#shared/trace/spans';
import type { AppEnv } from '../app-env';

/**
 * Runs one RPC call to a room as a hop of the request's trace: `call` gets the `traceparent` to hand the room
 * (the room's work becomes a child of this call), and the call's duration is recorded when the trace is sampled.
 */
export async function tracedRoomCall<T>(
  c: Context<AppEnv>,
  method: string,
  call: (traceparent: string) => Promise<T>,
): Promise<T> {
  const parent = c.var.trace;
  const span = childOf(parent);
  const started = Date.now();
  try {
    return await call(formatTraceparent(span));
  } finally {
    if (span.sampled)
      c.var.traceHops.push(
        hop({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: parent.spanId,
          service: 'api',
          name: `rpc room.${method}`,
          startedAt: started,
          durationMs: Date.now() - started,
        }),
      );
  }
}
