import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../app-env';
import { DatabaseBreaker } from '../../resilience/database-breaker';
import { errorHandler } from '../error-handler';
import { requestContext } from '../request-context';
import { databaseAvailability } from '.';

function appWithBreaker(cooldownMs: number) {
  const breaker = new DatabaseBreaker({ threshold: 1, cooldownMs, timeoutMs: 1000 });
  const state = { calls: 0 };
  const app = new Hono<AppEnv>();
  app.use('*', requestContext());
  app.use('*', databaseAvailability({ breaker: () => breaker }));
  app.all('/thing', (c) => {
    state.calls++;
    return c.json({ ok: true });
  });
  app.onError(errorHandler);
  const request = (method: string) => app.request('/thing', { method }, { LOG_LEVEL: 'error' });
  /** One outage through the breaker: with threshold 1 it opens the circuit. */
  const breakIt = () => breaker.run(() => Promise.reject(new TypeError('Network connection lost.'))).catch(() => {});
  return { breaker, state, request, breakIt };
}

describe('databaseAvailability', () => {
  it('lets everything through while the circuit is closed', async () => {
    const { state, request } = appWithBreaker(10_000);
    expect((await request('POST')).status).toBe(200);
    expect((await request('GET')).status).toBe(200);
    expect(state.calls).toBe(2);
  });

  it('fails writes fast with 503 database_unavailable and Retry-After while the circuit is open; reads go on', async () => {
    const { state, request, breakIt } = appWithBreaker(10_000);
    await breakIt();
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await request(method);
      expect(res.status).toBe(503);
      expect(res.headers.get('Retry-After')).toBe('10');
      expect(await res.json()).toMatchObject({
        error: { code: 'database_unavailable', details: { reason: 'circuit_open', circuit: 'open' } },
      });
    }
    expect(state.calls).toBe(0);
    expect((await request('GET')).status).toBe(200);
    expect(state.calls).toBe(1);
  });

  it('lets a write through once the cooldown is over (it becomes the trial)', async () => {
    const { state, request, breakIt } = appWithBreaker(100);
    await breakIt();
    expect((await request('POST')).status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await request('POST')).status).toBe(200);
    expect(state.calls).toBe(1);
  });
});
