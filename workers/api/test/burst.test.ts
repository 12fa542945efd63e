/**
 * A burst of sign-ups is load, not an outage: each sign-up is a 100,000-iteration PBKDF2 on the isolate's
 * thread. Many at once must slow sign-ups down (or shed them with 429 and Retry-After), never make the
 * database breaker open or any other request fail.
 */
import { describe, expect, it } from 'vitest';
import { api, uniqueEmail } from './support';

describe('a burst of sign-ups', () => {
  it('sheds sign-ups with 429 + Retry-After while reads and health keep succeeding and the breaker stays closed', async () => {
    const signUps = Array.from({ length: 80 }, () =>
      api('/v1/auth/signup', {
        method: 'POST',
        body: JSON.stringify({ email: uniqueEmail('burst'), password: 'burst password 123' }),
      }),
    );
    const others = Array.from({ length: 30 }, (_, i) =>
      api(i % 3 === 0 ? '/health' : `/v1/shows?limit=2&status=upcoming&q=${i}`),
    );
    const [signUpResults, otherResults] = await Promise.all([Promise.all(signUps), Promise.all(others)]);

    const statuses = signUpResults.map((r) => r.status);
    const summary = JSON.stringify(
      statuses.reduce<Record<number, number>>((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {}),
    );
    expect(
      statuses.every((s) => s === 201 || s === 429),
      summary,
    ).toBe(true);
    expect(statuses.filter((s) => s === 201).length, summary).toBeGreaterThan(0);
    for (const res of signUpResults.filter((r) => r.status === 429)) {
      expect(Number(res.headers.get('Retry-After'))).toBeGreaterThanOrEqual(1);
      expect(await res.json()).toMatchObject({ error: { code: 'too_busy' } });
    }
    const otherStatuses = otherResults.map((r) => r.status);
    expect(
      otherStatuses.every((s) => s === 200 || s === 400),
      JSON.stringify(otherStatuses),
    ).toBe(true);

    // The breaker stayed closed: a write right after the burst goes through.
    const after = await api('/v1/auth/signup', {
      method: 'POST',
      body: JSON.stringify({ email: uniqueEmail('after'), password: 'burst password 123' }),
    });
    expect(after.status).toBe(201);
    expect((await api('/health')).status).toBe(200);
  }, 60_000);
});
