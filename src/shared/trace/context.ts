/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): one trace id follows a vote from the browser's request
 * through the api worker, the room, the outbox, the queue and the consumer to the Postgres statement. The current
 * trace of a request, an RPC call or a queue message lives in an AsyncLocalStorage, so log lines and the
 * slow-statement log pick it up without being handed it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface TraceContext {
  /** 32 lowercase hex digits, never all zeros. */
  traceId: string;
  /** 16 lowercase hex digits: the span of the current hop; the next hop's parent. */
  spanId: string;
  /** The W3C `sampled` flag: hops of sampled traces are recorded (trace_hops, OTLP). */
  sampled: boolean;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let out = '';
  for (const b of buf) out += b.toString(16).padStart(2, '0');
  return out;
}

export const newTraceId = (): string => randomHex(16);
export const newSpanId = (): string => randomHex(8);

/** The context in a `traceparent` value, or undefined when it is absent or malformed (then a new trace starts). */
export function parseTraceparent(value: string | null | undefined): TraceContext | undefined {
  const [, traceId, spanId, flags] = (value ? TRACEPARENT.exec(value.trim()) : null) ?? [];
  if (!traceId || !spanId || !flags || traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

export function formatTraceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.sampled ? '01' : '00'}`;
}

/**
 * The context of a new hop: a child of `parent` (same trace, same sampling decision, a new span id), or the root
 * of a new trace sampled with probability `sampleRate` when there is no valid parent.
 */
export function childOf(parent: TraceContext | undefined, sampleRate = 0): TraceContext {
  if (parent) return { traceId: parent.traceId, spanId: newSpanId(), sampled: parent.sampled };
  return { traceId: newTraceId(), spanId: newSpanId(), sampled: Math.random() < sampleRate };
}

/** A sample rate from configuration: a number in [0, 1]; anything else is 0. */
export function parseSampleRate(value: string | undefined): number {
  const n = Number(value);
  return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
}

const storage = new AsyncLocalStorage<TraceContext>();

/** Runs `fn` with `trace` as the current trace (log lines and slow statements carry its id). */
export function runWithTrace<T>(trace: TraceContext, fn: () => T): T {
  return storage.run(trace, fn);
}

export function currentTrace(): TraceContext | undefined {
  return storage.getStore();
}
