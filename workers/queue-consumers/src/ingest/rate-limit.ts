/**
 * Token buckets that space the calls made to each provider, so that we stay under the published limits.
 *
 * The bucket works by reservation: a caller asks for one token and is told how long to wait for it; the
 * token is taken at once (the bucket may go negative), so concurrent callers queue up behind each other
 * instead of all waking at the same instant. In the workers the bucket lives in one small Durable Object
 * per provider (workers/queue-consumers/src/provider-rate-limiter.ts), shared by every isolate and every
 * queue batch; the CLI and unit tests use the same arithmetic in memory.
 */
export type Provider = 'spotify' | 'ticketmaster' | 'setlistfm';

export interface BucketLimit {
  /** Tokens added per second: the sustained rate. */
  ratePerSecond: number;
  /** The most tokens the bucket holds: the largest burst. */
  capacity: number;
}

/**
 * Published limits and the rates chosen under them (docs/ingestion.md explains each choice).
 * - Spotify: a rolling 30-second window with no published number; 3/s keeps a large import well away from 429s.
 * - Ticketmaster Discovery: 5 requests per second and 5,000 per day per key; we use 4/s.
 * - setlist.fm: 2 requests per second (and 1,440 per day) for a standard key; we use 1.5/s.
 */
export const PROVIDER_LIMITS: Record<Provider, BucketLimit> = {
  spotify: { ratePerSecond: 3, capacity: 3 },
  ticketmaster: { ratePerSecond: 4, capacity: 4 },
  setlistfm: { ratePerSecond: 1.5, capacity: 1 },
};

export interface BucketState {
  tokens: number;
  /** When `tokens` was last brought up to date (ms since epoch). */
  at: number;
}

/**
 * Takes one token at `now` and returns the new state and how long (ms) the caller must wait before its
 * call. Pure, so the Durable Object and the in-memory limiter share it.
 */
export function reserveToken(
  state: BucketState | undefined,
  limit: BucketLimit,
  now: number,
): { state: BucketState; waitMs: number } {
  const previous = state ?? { tokens: limit.capacity, at: now };
  const elapsed = Math.max(0, now - previous.at);
  const tokens = Math.min(limit.capacity, previous.tokens + (elapsed / 1000) * limit.ratePerSecond) - 1;
  const waitMs = tokens >= 0 ? 0 : Math.ceil((-tokens / limit.ratePerSecond) * 1000);
  return { state: { tokens, at: now }, waitMs };
}

/** What the provider clients call before each request. */
export interface RateLimiter {
  /** Resolves when the caller may make one call to `provider`. */
  acquire(provider: Provider): Promise<void>;
}

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One bucket per provider in this process's memory: the CLI, and tests of the arithmetic. */
export class InMemoryRateLimiter implements RateLimiter {
  readonly #buckets = new Map<Provider, BucketState>();

  constructor(
    readonly limits: Record<Provider, BucketLimit> = PROVIDER_LIMITS,
    readonly clock: () => number = Date.now,
    readonly sleep: Sleep = realSleep,
  ) {}

  async acquire(provider: Provider): Promise<void> {
    const { state, waitMs } = reserveToken(this.#buckets.get(provider), this.limits[provider], this.clock());
    this.#buckets.set(provider, state);
    if (waitMs > 0) await this.sleep(waitMs);
  }
}

/** No spacing at all: for tests that are not about rate limits. */
export const unlimited: RateLimiter = { acquire: async () => {} };
