import { describe, expect, it } from 'vitest';
import { api, BASE, errorOf, eventually, relayFaults, uniqueEmail } from './support';

/** The api project runs with DB_BREAKER_COOLDOWN_SECONDS=2 and RESPONSE_CACHE_FRESH_SECONDS=0 (vitest.config.ts). */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const signUpRequest = () =>
  api('/v1/auth/signup', {
    method: 'POST',
    body: JSON.stringify({ email: uniqueEmail('breaker'), password: 'correct horse battery' }),
  });

describe('database outage, through the worker', () => {
  it('serves cached reads, fails writes fast once the circuit opens, and closes the circuit on its own', async () => {
    const path = '/v1/shows?limit=3';
    const warm = await api(path);
    expect(warm.status, await warm.clone().text()).toBe(200);
    expect(warm.headers.get('X-Cache')).toBe('MISS'); // stored (the test project has no fresh hits)
    const page = await warm.json();
    // The copy is written after the response (waitUntil): wait until it is in the cache.
    await eventually(async () => (await caches.default.match(`${BASE}${path}`)) ?? undefined, 5000);

    await relayFaults({ down: true });
    try {
      // A public read: the route fails to reach Postgres, the stale copy is served instead.
      const stale = await api(path);
      expect(stale.status).toBe(200);
      expect(stale.headers.get('X-Cache')).toBe('STALE');
      expect(stale.headers.get('Age')).toMatch(/^\d+$/);
      expect(await stale.json()).toEqual(page);

      // Writes: 503 + Retry-After on each connectivity failure, until 5 outages in a row open the circuit.
      let circuit = 'closed';
      for (let attempt = 0; attempt < 6 && circuit !== 'open'; attempt++) {
        const res = await signUpRequest();
        expect(res.status).toBe(503);
        expect(Number(res.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1);
        const error = await errorOf(res);
        expect(error.code).toBe('database_unavailable');
        circuit = (error.details as { circuit: string }).circuit;
      }
      expect(circuit).toBe('open');

      // Open: the next write is refused at once, without a connection attempt or hashing the password.
      const started = Date.now();
      const fast = await signUpRequest();
      const fastMs = Date.now() - started;
      console.log(`fast-fail write while the circuit is open: ${fastMs} ms`);
      expect(fast.status).toBe(503);
      expect(fastMs).toBeLessThan(200);
      const retryAfter = Number(fast.headers.get('Retry-After'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(2);
      expect(await errorOf(fast)).toMatchObject({
        code: 'database_unavailable',
        details: { reason: 'circuit_open', circuit: 'open' },
      });

      // The health probe is never served from the cache: it keeps reporting the outage.
      const health = await api('/health');
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'degraded', database: { reachable: false } });
    } finally {
      await relayFaults({ down: false });
    }

    // After the cooldown, the next call is the half-open trial; its success closes the circuit.
    await sleep(2100);
    const trial = await signUpRequest();
    expect(trial.status).toBe(201);
    const after = await signUpRequest();
    expect(after.status).toBe(201);
    expect((await api('/health')).status).toBe(200);
  });

  it('counts failed reads over HTTP too: uncached reads alone open the circuit', async () => {
    await relayFaults({ down: true });
    try {
      let circuit = 'closed';
      // Anonymous reads never asked for before (no stale copy): each reaches Postgres over HTTP and fails.
      for (let attempt = 0; attempt < 6 && circuit !== 'open'; attempt++) {
        const res = await api(`/v1/shows?limit=${attempt + 11}`);
        expect(res.status).toBe(503);
        circuit = ((await errorOf(res)).details as { circuit: string }).circuit;
      }
      expect(circuit).toBe('open');
    } finally {
      await relayFaults({ down: false });
    }
    await sleep(2100);
    expect((await api('/v1/shows?limit=17')).status).toBe(200);
  });
});
