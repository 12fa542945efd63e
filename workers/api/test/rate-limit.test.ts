import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { api, errorOf, signUp } from './support';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends `count` requests, `concurrency` at a time, and returns their statuses. */
async function burst(count: number, send: () => Response | Promise<Response>, concurrency = 25): Promise<number[]> {
  const statuses: number[] = [];
  for (let sent = 0; sent < count; sent += concurrency) {
    const batch = await Promise.all(Array.from({ length: Math.min(concurrency, count - sent) }, send));
    statuses.push(...batch.map((r) => r.status));
  }
  return statuses;
}

/**
 * The test project runs the limit with its production value (1,000 requests) over a 10 s window instead of
 * 60 s, so that the next window can be reached without waiting a minute.
 */
describe('gateway rate limit', () => {
  it('refuses the 1,001st request in a window and accepts the first of the next', async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    // The app in-process with the worker's real bindings (the limiter is the real Durable Object): a
    // thousand round trips through the test pool's loopback fetch would take minutes.
    const app = createApp();
    const send = () => app.request('/v1/me', { headers: { 'CF-Connecting-IP': ip } }, env, createExecutionContext());
    let first = await send();
    // Start at the beginning of a window so that the burst cannot straddle two.
    if (Number(first.headers.get('RateLimit-Reset')) < 8) {
      await sleep(Number(first.headers.get('RateLimit-Reset')) * 1000 + 100);
      first = await send();
    }
    expect(first.status).toBe(401); // counted, then refused by the route itself: anonymous
    expect(first.headers.get('RateLimit-Limit')).toBe('1000');
    expect(first.headers.get('RateLimit-Remaining')).toBe('999');
    expect(first.headers.get('RateLimit-Policy')).toBe('1000;w=10');

    const statuses = await burst(999, send);
    expect(statuses.filter((s) => s === 429)).toHaveLength(0);

    const refused = await send();
    expect(refused.status).toBe(429);
    expect(await errorOf(refused)).toMatchObject({ code: 'rate_limited' });
    expect(refused.headers.get('RateLimit-Remaining')).toBe('0');
    const retryAfter = Number(refused.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);

    await sleep(retryAfter * 1000 + 100);
    const next = await send();
    expect(next.status).toBe(401);
    expect(next.headers.get('RateLimit-Remaining')).toBe('999');
  }, 60_000);

  it('counts a signed-in user by account, not by address', async () => {
    const fan = await signUp();
    const sharedIp = '192.0.2.77';
    const res = await api('/v1/me', { token: fan.token, headers: { 'CF-Connecting-IP': sharedIp } });
    expect(res.status).toBe(200);
    expect(res.headers.get('RateLimit-Remaining')).toBe('999');
    // Anonymous traffic from the same address has its own budget.
    const anonymous = await api('/v1/me', { headers: { 'CF-Connecting-IP': sharedIp } });
    expect(anonymous.headers.get('RateLimit-Remaining')).toBe('999');
  });
});
