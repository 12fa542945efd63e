import { describe, expect, it } from 'vitest';
import { exportOtlp, otlpHeaders, otlpTraceRequest } from './otlp';
import { hop } from './spans';

const hops = [
  hop({
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: null,
    service: 'api',
    name: 'POST /v1/shows/:showId/votes',
    startedAt: Date.UTC(2026, 11, 7, 18, 0, 0),
    durationMs: 12.5,
    attrs: { status: 201 },
  }),
  hop({
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: '00f067aa0ba902b7',
    parentSpanId: 'b7ad6b7169203331',
    service: 'queue-consumers',
    name: 'postgres apply vote batch',
    startedAt: Date.UTC(2026, 11, 7, 18, 0, 1),
    durationMs: 4,
    attrs: { fingerprint: 'abcdef0123456789' },
  }),
];

describe('OTLP/HTTP JSON export of recorded hops', () => {
  it('builds one resource per worker with hex ids, nanosecond times and typed attributes', () => {
    const body = otlpTraceRequest(hops);
    expect(body.resourceSpans.map((r) => r.resource.attributes[0]?.value)).toEqual([
      { stringValue: 'mysetlist-api' },
      { stringValue: 'mysetlist-queue-consumers' },
    ]);
    const [server] = body.resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(server).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      name: 'POST /v1/shows/:showId/votes',
      kind: 2,
      startTimeUnixNano: '1796666400000000000',
      endTimeUnixNano: '1796666400012500000',
      attributes: [{ key: 'status', value: { doubleValue: 201 } }],
    });
    expect(body.resourceSpans[1]!.scopeSpans[0]!.spans[0]).toMatchObject({ parentSpanId: 'b7ad6b7169203331', kind: 3 });
  });

  it('posts to <endpoint>/v1/traces with the configured headers, and does nothing without an endpoint', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const fetcher = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return new Response('{}', { status: 200 });
    }) as unknown as typeof fetch;
    await exportOtlp({}, hops, fetcher);
    expect(calls).toEqual([]);
    await exportOtlp(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example.com/', OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%20d' },
      hops,
      fetcher,
    );
    expect(calls[0]!.url).toBe('https://otlp.example.com/v1/traces');
    expect(calls[0]!.init.headers).toEqual({ 'content-type': 'application/json', 'x-api-key': 'abc d' });
    expect(otlpHeaders(undefined)).toEqual({ 'content-type': 'application/json' });
  });
});
