import { DurableObject } from 'cloudflare:workers';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the current window ends and the count starts again. */
  resetMs: number;
}

interface WindowState {
  start: number;
  count: number;
}

/**
 * An exact fixed-window counter, one object per key (`idFromName('user:…')` or `'ip:…'`).
 *
 * Why a Durable Object and not the Workers Rate Limiting binding: the binding counts per Cloudflare location
 * and is eventually consistent, so "the 1,001st request in a minute is refused" would not hold for a user
 * whose requests reach several locations. One object per key sees every request of that key, in order.
 * Windows are aligned to the clock (every minute on the minute), so `RateLimit-Reset` is the same for all
 * of a key's requests in a window.
 *
 * The count is kept in memory and written to storage on every hit (synchronously, coalesced by the
 * runtime), so an evicted object resumes its window instead of forgiving a burst.
 */
export class RateLimiter extends DurableObject<Env> {
  #window: WindowState | undefined;

  #load(): WindowState {
    this.#window ??= this.ctx.storage.kv.get<WindowState>('window') ?? { start: 0, count: 0 };
    return this.#window;
  }

  /**
   * Counts one request and says whether it is allowed. Refused requests do not count. `served`: requests of
   * this key that an isolate already answered from its cache (rate-limit/gate.ts) and reports with this one;
   * they happened, so they count whatever the decision.
   */
  hit(limit: number, windowMs: number, now = Date.now(), served = 0): RateLimitDecision {
    const state = this.#current(windowMs, now);
    state.count += served;
    const allowed = state.count < limit;
    if (allowed) state.count++;
    if (allowed || served > 0) this.ctx.storage.kv.put('window', state);
    return { allowed, limit, remaining: Math.max(0, limit - state.count), resetMs: state.start + windowMs - now };
  }

  /** Records `served` requests already answered (from an isolate's cache) and says where the key stands. */
  record(limit: number, windowMs: number, served: number, now = Date.now()): RateLimitDecision {
    const state = this.#current(windowMs, now);
    state.count += served;
    if (served > 0) this.ctx.storage.kv.put('window', state);
    return {
      allowed: state.count < limit,
      limit,
      remaining: Math.max(0, limit - state.count),
      resetMs: state.start + windowMs - now,
    };
  }

  /**
   * Gives back one counted request of the current window (an attempt reserved with `hit` that succeeded, when
   * only failures should count). A window that has ended meanwhile is left alone.
   */
  release(windowMs: number, now = Date.now()): void {
    const state = this.#current(windowMs, now);
    if (state.count > 0) {
      state.count--;
      this.ctx.storage.kv.put('window', state);
    }
  }

  /** Whether a request would be allowed, without counting it (e.g. before checking a password). */
  peek(limit: number, windowMs: number, now = Date.now()): RateLimitDecision {
    const state = this.#current(windowMs, now);
    return {
      allowed: state.count < limit,
      limit,
      remaining: Math.max(0, limit - state.count),
      resetMs: state.start + windowMs - now,
    };
  }

  #current(windowMs: number, now: number): WindowState {
    const state = this.#load();
    const start = Math.floor(now / windowMs) * windowMs;
    if (state.start !== start) {
      state.start = start;
      state.count = 0;
    }
    return state;
  }
}
