import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { clearRateLimitGate } from '../src/rate-limit/gate';
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

describe('rate limit in front of the response cache', () => {
  /** The app in-process with fresh cache hits (30 s), as in production; the limiter is the real Durable Object. */
  const cachedEnv = { ...env, RESPONSE_CACHE_FRESH_SECONDS: '30' } as Env;

  /** Waits for the start of a 10 s window with at least `seconds` left, so a burst cannot straddle two. */
  async function windowStart(seconds: number) {
    const msLeft = 10_000 - (Date.now() % 10_000);
    if (msLeft < seconds * 1000) await sleep(msLeft + 100);
  }

  it('counts cached reads without a round trip each, and still refuses the 1,001st', async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    const app = createApp();
    const send = (path: string) =>
      app.request(path, { headers: { 'CF-Connecting-IP': ip } }, cachedEnv, createExecutionContext());
    await windowStart(8);
    const statuses = await burst(990, () => send('/v1/shows?limit=1'));
    expect(statuses.filter((s) => s !== 200)).toHaveLength(0);

    // A read the cache cannot answer asks the limiter object, with every cached read this isolate served.
    const uncached = await send(`/v1/shows?limit=2&n=${Math.random()}`);
    expect(uncached.status).toBe(200);
    expect(uncached.headers.get('X-Cache')).toBe('MISS');
    expect(uncached.headers.get('RateLimit-Remaining')).toBe('9');

    // Another isolate (no local state) sees the same count at the object: 9 more, then 429.
    clearRateLimitGate();
    const more = await burst(9, () => send(`/v1/shows?limit=3&n=${Math.random()}`), 1);
    expect(more.filter((s) => s !== 200)).toHaveLength(0);
    const refused = await send('/v1/shows?limit=1');
    expect(refused.status).toBe(429);
    expect(await errorOf(refused)).toMatchObject({ code: 'rate_limited' });
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1);
    // Refused from then on in this isolate without asking the object, cached or not.
    expect((await send('/v1/shows?limit=1')).status).toBe(429);
    expect((await send(`/v1/shows?limit=4&n=${Math.random()}`)).status).toBe(429);
  }, 60_000);

  it('limits cached reads served by one isolate alone', async () => {
    const ip = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
    const app = createApp();
    const send = () =>
      app.request('/v1/shows?limit=1', { headers: { 'CF-Connecting-IP': ip } }, cachedEnv, createExecutionContext());
    await windowStart(8);
    const statuses = await burst(1001, send);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1000);
    expect(statuses[1000]).toBe(429);
  }, 60_000);
});

describe('a web page and its API requests', () => {
  it('count once against the fan’s limit, with one session lookup', async () => {
    const fan = await signUp();
    const page = await api('/feed', { headers: { Cookie: `msl_session=${fan.token}` } });
    expect(page.status).toBe(200);
    // The feed page makes three API requests; the page alone was counted.
    const me = await api('/v1/me', { token: fan.token });
    expect(me.headers.get('RateLimit-Remaining')).toBe('998');
  });
});
