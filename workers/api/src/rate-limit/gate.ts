import { LRUCache } from 'lru-cache';
import { rateLimiter } from './index';
import type { RateLimitDecision } from './rate-limiter';

/**
 * This isolate's view of each rate-limit key, in front of the key's Durable Object (the exact counter).
 *
 * - A key the object refused stays refused here until its window ends: a refused request is answered without a
 *   round trip (and without touching the database, the session being cached too).
 * - Anonymous reads answered from the response cache are counted here and reported to the object in batches
 *   (`record`, after the response: at least once a second, or every `SYNC_BATCH` reads), instead of one round
 *   trip each. They are refused here once this isolate's count, which includes everything the object last
 *   reported for the key, reaches the limit.
 * - Every other request (signed in, a write, a read the cache could not answer) asks the object first, with the
 *   reads not yet reported, so the object's decision is exact for everything the route itself has to do.
 *
 * What this gives up: cached reads spread over several isolates can exceed the limit by what those isolates
 * served in their last unreported second. They are the cheapest requests there are; the requests that reach
 * the database are still refused exactly.
 */
interface KeyState {
  windowStart: number;
  /** Requests of the key in this window as far as this isolate knows (the object's count plus its own since). */
  count: number;
  /** Cached reads served here and not yet reported to the object. */
  unreported: number;
  lastReport: number;
  reporting: boolean;
  /** Refused by the object: refuse here until then (ms since epoch). */
  refusedUntil: number;
}

export const SYNC_BATCH = 50;
export const SYNC_INTERVAL_MS = 1000;

const states = new LRUCache<string, KeyState>({ max: 20_000, ttlResolution: 0, perf: { now: () => Date.now() } });

function stateOf(key: string, windowMs: number, now: number): KeyState {
  const windowStart = Math.floor(now / windowMs) * windowMs;
  let state = states.get(key);
  if (!state || state.windowStart !== windowStart) {
    // Reads served in the last window and never reported are dropped with it: the object has moved on too.
    state = { windowStart, count: 0, unreported: 0, lastReport: now, reporting: false, refusedUntil: 0 };
    states.set(key, state);
  }
  return state;
}

export class RateLimitGate {
  constructor(
    private readonly env: Env,
    private readonly key: string,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  #decision(state: KeyState, allowed: boolean, now: number): RateLimitDecision {
    return {
      allowed,
      limit: this.limit,
      remaining: Math.max(0, this.limit - state.count),
      resetMs: state.windowStart + this.windowMs - now,
    };
  }

  /** Refused here without asking the object: the object refused this key in this window, or the local count is spent. */
  refusedLocally(now = Date.now()): RateLimitDecision | undefined {
    const state = stateOf(this.key, this.windowMs, now);
    if (now < state.refusedUntil || state.count >= this.limit) return this.#decision(state, false, now);
    return undefined;
  }

  /** A read answered from the cache: counted here, reported later (`report`). */
  countCached(now = Date.now()): RateLimitDecision {
    const state = stateOf(this.key, this.windowMs, now);
    state.count++;
    state.unreported++;
    return this.#decision(state, true, now);
  }

  #learn(state: KeyState, decision: RateLimitDecision, now: number): void {
    state.count = Math.max(state.count, this.limit - decision.remaining);
    if (!decision.allowed) state.refusedUntil = now + decision.resetMs;
  }

  /** The object's exact decision for one request, with this isolate's unreported cached reads. */
  async hit(now = Date.now()): Promise<RateLimitDecision> {
    const state = stateOf(this.key, this.windowMs, now);
    const served = state.unreported;
    state.unreported = 0;
    state.lastReport = now;
    const decision = await rateLimiter(this.env, this.key).hit(this.limit, this.windowMs, undefined, served);
    this.#learn(state, decision, Date.now());
    return decision;
  }

  /** The unreported cached reads, sent to the object when a batch is full or a second has passed; else undefined. */
  report(now = Date.now()): Promise<void> | undefined {
    const state = stateOf(this.key, this.windowMs, now);
    if (state.reporting || state.unreported === 0) return undefined;
    if (state.unreported < SYNC_BATCH && now - state.lastReport < SYNC_INTERVAL_MS) return undefined;
    const served = state.unreported;
    state.unreported = 0;
    state.lastReport = now;
    state.reporting = true;
    return rateLimiter(this.env, this.key)
      .record(this.limit, this.windowMs, served)
      .then(
        (decision) => this.#learn(state, decision, Date.now()),
        () => {
          state.unreported += served; // reported with the next batch instead
        },
      )
      .finally(() => {
        state.reporting = false;
      });
  }
}

/** Forgets every key's local state (tests: what another isolate would see). */
export function clearRateLimitGate(): void {
  states.clear();
}
