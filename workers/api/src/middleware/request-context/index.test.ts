import { Hono } from 'hono';
import { describe, expect, it, vi } from 'vitest';
import type { AppEnv } from '../../app-env';
import { requestContext } from '.';

function appWithRoute() {
  const app = new Hono<AppEnv>();
  app.use('*', requestContext());
  app.get('/hello', (c) => {
    c.var.log.info('inside', { extra: 1 });
    return c.json({ requestId: c.var.requestId });
  });
  return app;
}

describe('requestContext', () => {
  it('gives each request a new id, returns it in X-Request-Id and stamps it on every log line', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => lines.push(line));
    try {
      const res = await appWithRoute().request('/hello', {}, { LOG_LEVEL: 'info' });
      const { requestId } = (await res.json()) as { requestId: string };
      expect(res.headers.get('X-Request-Id')).toBe(requestId);
      const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(logged.map((l) => l.msg)).toEqual(['inside', 'request']);
      for (const entry of logged) expect(entry.requestId).toBe(requestId);
      // A new W3C trace, returned in `traceparent` and on every line.
      const traceId = res.headers.get('traceparent')!.split('-')[1];
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      for (const entry of logged) expect(entry.traceId).toBe(traceId);
      expect(logged[1]).toMatchObject({ method: 'GET', path: '/hello', status: 200, service: 'api' });
    } finally {
      spy.mockRestore();
    }
  });

  it("continues the caller's trace: same trace id and sampling flag, a new span id", async () => {
    const res = await appWithRoute().request(
      '/hello',
      { headers: { traceparent: `00-${'a1'.repeat(16)}-${'b2'.repeat(8)}-00` } },
      { LOG_LEVEL: 'error', TRACE_SAMPLE_RATE: '1' },
    );
    const [version, traceId, spanId, flags] = res.headers.get('traceparent')!.split('-');
    expect([version, traceId, flags]).toEqual(['00', 'a1'.repeat(16), '00']);
    expect(spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(spanId).not.toBe('b2'.repeat(8));
  });

  it('keeps a well-formed incoming id and replaces a malformed one', async () => {
    const app = appWithRoute();
    const kept = await app.request(
      '/hello',
      { headers: { 'X-Request-Id': 'upstream-trace-42' } },
      { LOG_LEVEL: 'error' },
    );
    expect(kept.headers.get('X-Request-Id')).toBe('upstream-trace-42');
    const replaced = await app.request(
      '/hello',
      { headers: { 'X-Request-Id': 'bad id with spaces\n' } },
      { LOG_LEVEL: 'error' },
    );
    expect(replaced.headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
