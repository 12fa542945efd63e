/**
 * One token bucket per provider (the object's name is the provider), shared by every isolate and queue
 * batch that calls that provider. `reserve` takes a token and says how long to wait for it; the caller
 * sleeps outside the object, so the object is busy for microseconds per call and never holds a request open.
 */
import { DurableObject } from 'cloudflare:workers';
import {
  type BucketState,
  PROVIDER_LIMITS,
  type Provider,
  type RateLimiter,
  reserveToken,
  type Sleep,
} from './ingest/rate-limit';

export class ProviderRateLimiter extends DurableObject<Env> {
  /** Milliseconds the caller must wait before its call to `provider`. */
  reserve(provider: Provider): number {
    const limit = PROVIDER_LIMITS[provider];
    if (!limit) throw new Error(`unknown provider ${provider}`);
    // Synchronous KV storage: the read and the write happen in one turn, so reservations never interleave.
    const { state, waitMs } = reserveToken(this.ctx.storage.kv.get<BucketState>('bucket'), limit, Date.now());
    this.ctx.storage.kv.put('bucket', state);
    return waitMs;
  }
}

/** The limiter the import steps use inside the workers. */
export function durableRateLimiter(namespace: DurableObjectNamespace<ProviderRateLimiter>, sleep: Sleep): RateLimiter {
  return {
    async acquire(provider) {
      const waitMs = await namespace.get(namespace.idFromName(provider)).reserve(provider);
      if (waitMs > 0) await sleep(waitMs);
    },
  };
}
