import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { withEarlyRefusal } from '../src/rate-limit/early-refusal';
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

describe('a client past its limit', () => {
  /** The worker's own fetch (index.ts) around a fresh app, with a limit of 5 per 10 s window. */
  const lowEnv = { ...env, RATE_LIMIT_REQUESTS: '5' } as Env;
  const handler = withEarlyRefusal(createApp().fetch);
  const fetch = (path: string, headers: Record<string, string>) =>
    handler(new Request(`http://mysetlist.test${path}`, { headers }), lowEnv, createExecutionContext());
  async function windowStart(seconds: number) {
    const msLeft = 10_000 - (Date.now() % 10_000);
    if (msLeft < seconds * 1000) await sleep(msLeft + 100);
  }

  /**
   * The first refusal comes from the app (every response of the app carries a traceparent), the next one from
   * the worker before the app runs (no trace).
   */
  async function refusedTwice(send: () => Response | Promise<Response>) {
    const byApp = await send();
    expect(byApp.status).toBe(429);
    expect(byApp.headers.get('traceparent')).toBeTruthy();
    const early = await send();
    expect(early.status).toBe(429);
    expect(early.headers.get('traceparent')).toBeNull();
    return { byApp, early };
  }

  it('is refused before the app runs, with the app’s own answer, until its window ends', async () => {
    const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    const send = () => fetch(`/v1/shows?limit=1&n=${Math.random()}`, { 'CF-Connecting-IP': ip });
    await windowStart(6);
    const allowed = await burst(5, send, 1);
    expect(allowed).toEqual([200, 200, 200, 200, 200]);
    // The 6th: the app refuses it (and every response of the app carries a traceparent).
    // From then on the worker answers before the app: no trace, the same body and headers otherwise.
    const { byApp, early } = await refusedTwice(send);
    const same = (res: Response) =>
      [...res.headers].filter(
        ([name]) => !['x-request-id', 'traceparent', 'ratelimit-reset', 'retry-after'].includes(name),
      );
    expect(same(early)).toEqual(same(byApp));
    const [appBody, earlyBody] = [await errorOf(byApp), await errorOf(early)] as Record<string, unknown>[];
    expect(earlyBody).toMatchObject({
      code: 'rate_limited',
      message: expect.stringMatching(/^Too many requests: at most 5 per 10 s/),
    });
    expect(Object.keys(earlyBody!)).toEqual(Object.keys(appBody!));
    expect(earlyBody!.requestId).toBe(early.headers.get('X-Request-Id'));
    // The limit holds: every request of the window is refused, and another address is not.
    expect(await burst(20, send)).toEqual(Array(20).fill(429));
    expect((await fetch('/v1/shows?limit=1', { 'CF-Connecting-IP': '192.0.2.200' })).status).toBe(200);
    // The next window lets the client in again.
    await sleep(Number(early.headers.get('Retry-After')) * 1000 + 100);
    expect((await send()).status).toBe(200);
  }, 30_000);

  it('is refused early when signed in, by its token once the app refused it', async () => {
    const fan = await signUp();
    const send = () => fetch('/v1/me', { Authorization: `Bearer ${fan.token}`, 'CF-Connecting-IP': '192.0.2.201' });
    await windowStart(6);
    // Sign-up itself counted against the address, not the account: 5 for the fan.
    expect(await burst(5, send, 1)).toEqual([200, 200, 200, 200, 200]);
    await refusedTwice(send);
    // Anonymous requests from the same address have their own budget.
    expect((await fetch('/v1/shows?limit=1', { 'CF-Connecting-IP': '192.0.2.201' })).status).toBe(200);
  }, 30_000);
});
