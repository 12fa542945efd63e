import { describe, expect, it } from 'vitest';
import { InMemoryRateLimiter, PROVIDER_LIMITS, reserveToken } from './rate-limit';

/** A clock that only moves when the limiter sleeps, so the spacing is exact and the test takes no time. */
function virtualTime() {
  let now = 1_000_000;
  return { clock: () => now, sleep: async (ms: number) => void (now += ms), now: () => now };
}

describe('provider token buckets', () => {
  it('lets a burst of `capacity` through, then spaces calls 1/rate apart (ticketmaster: 4/s)', async () => {
    const t = virtualTime();
    const limiter = new InMemoryRateLimiter(PROVIDER_LIMITS, t.clock, t.sleep);
    const start = t.now();
    const times: number[] = [];
    for (let i = 0; i < 12; i++) {
      await limiter.acquire('ticketmaster');
      times.push(t.now() - start);
    }
    expect(times).toEqual([0, 0, 0, 0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
  });

  it('keeps setlist.fm under its published 2 requests per second (1.5/s, no burst)', async () => {
    const t = virtualTime();
    const limiter = new InMemoryRateLimiter(PROVIDER_LIMITS, t.clock, t.sleep);
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      await limiter.acquire('setlistfm');
      times.push(t.now());
    }
    // In every one-second window there are at most 2 calls.
    for (let i = 0; i + 2 < times.length; i++) expect(times[i + 2]! - times[i]!).toBeGreaterThanOrEqual(1000);
    expect(times.at(-1)! - times[0]!).toBe(4000); // 6 gaps of 667 ms
  });

  it('refills while idle, never beyond capacity', () => {
    const limit = { ratePerSecond: 2, capacity: 3 };
    let state = reserveToken(undefined, limit, 0).state; // 2 left
    state = reserveToken(state, limit, 0).state; // 1
    state = reserveToken(state, limit, 0).state; // 0
    expect(reserveToken(state, limit, 0).waitMs).toBe(500);
    // An hour later the bucket holds 3, not 7,200: three calls go at once, the fourth waits.
    let later = reserveToken(state, limit, 3_600_000);
    later = reserveToken(later.state, limit, 3_600_000);
    later = reserveToken(later.state, limit, 3_600_000);
    expect(later.waitMs).toBe(0);
    expect(reserveToken(later.state, limit, 3_600_000).waitMs).toBe(500);
  });

  it('queues concurrent callers behind each other instead of waking them together', async () => {
    const t = virtualTime();
    const waits: number[] = [];
    const limiter = new InMemoryRateLimiter(
      { ...PROVIDER_LIMITS, spotify: { ratePerSecond: 3, capacity: 1 } },
      t.clock,
      async (ms) => void waits.push(ms),
    );
    await Promise.all(Array.from({ length: 4 }, () => limiter.acquire('spotify')));
    expect(waits).toEqual([334, 667, 1000]);
  });
});
