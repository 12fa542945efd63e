/**
 * A small OTLP/HTTP JSON exporter (https://opentelemetry.io/docs/specs/otlp/#otlphttp) of the hops this system
 * records, so that any OpenTelemetry backend (Jaeger, Tempo, Honeycomb, an OTel Collector) can show the same
 * traces as `/ops`. Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (a secret; unset locally). We export the hops
 * we record rather than instrument through an OpenTelemetry SDK: the hops already cross the room and the queue in
 * our own message bodies, and a Worker-wide SDK wrapper would be one more thing between the room and its socket.
 */
import type { TraceHop } from './spans';

export interface OtlpEnv {
  /** Base URL of an OTLP/HTTP receiver, e.g. `https://otlp.example.com`; spans are POSTed to `<base>/v1/traces`. */
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  /** Extra request headers, `name=value,name2=value2` (the OpenTelemetry convention), e.g. an API key. */
  OTEL_EXPORTER_OTLP_HEADERS?: string;
}

type AnyValue = { stringValue: string } | { doubleValue: number } | { boolValue: boolean };

function value(v: string | number | boolean): AnyValue {
  if (typeof v === 'number') return { doubleValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return { stringValue: v };
}

const nanos = (ms: number): string => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

/** SPAN_KIND_SERVER for incoming requests, CONSUMER for queue deliveries, CLIENT for calls out, else INTERNAL. */
function spanKind(h: TraceHop): number {
  if (h.name.startsWith('queue ')) return 5;
  if (h.name.startsWith('rpc ') || h.name.startsWith('postgres')) return 3;
  if (h.service === 'api' && /^[A-Z]+ \//.test(h.name)) return 2;
  return 1;
}

/** The OTLP JSON request body for `hops`, one resource per service. */
export function otlpTraceRequest(hops: TraceHop[]) {
  const byService = new Map<string, TraceHop[]>();
  for (const h of hops) byService.set(h.service, [...(byService.get(h.service) ?? []), h]);
  return {
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: `mysetlist-${service}` } }] },
      scopeSpans: [
        {
          scope: { name: 'mysetlist' },
          spans: list.map((h) => {
            const start = Date.parse(h.startedAt);
            return {
              traceId: h.traceId,
              spanId: h.spanId,
              ...(h.parentSpanId ? { parentSpanId: h.parentSpanId } : {}),
              name: h.name,
              kind: spanKind(h),
              startTimeUnixNano: nanos(start),
              endTimeUnixNano: nanos(start + h.durationMs),
              attributes: Object.entries(h.attrs).map(([key, v]) => ({ key, value: value(v) })),
            };
          }),
        },
      ],
    })),
  };
}

export function otlpHeaders(spec: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const pair of (spec ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at > 0) headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}

/** Sends `hops` to the configured receiver; does nothing when none is configured. Throws on a non-2xx answer. */
export async function exportOtlp(
  env: OtlpEnv,
  hops: TraceHop[],
  fetcher: typeof fetch = (input, init) => fetch(input, init),
): Promise<void> {
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!base || !hops.length) return;
  const res = await fetcher(`${base.replace(/\/+$/, '')}/v1/traces`, {
    method: 'POST',
    headers: otlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS),
    body: JSON.stringify(otlpTraceRequest(hops)),
  });
  if (!res.ok) throw new Error(`OTLP export answered ${res.status}`);
}
