/**
 * A token bucket per socket. WebSocket messages never pass the api worker's rate limiter, so the room
 * enforces its own. Kept in memory: after hibernation a socket starts with a full bucket, which only
 * ever errs on the side of the fan.
 */
export class SocketRateLimiter {
  readonly #buckets = new WeakMap<WebSocket, { tokens: number; at: number }>();

  constructor(private readonly perSecond: number) {}

  take(ws: WebSocket, now = Date.now()): boolean {
    const bucket = this.#buckets.get(ws) ?? { tokens: this.perSecond, at: now };
    bucket.tokens = Math.min(this.perSecond, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.#buckets.set(ws, bucket);
    return allowed;
  }
}
