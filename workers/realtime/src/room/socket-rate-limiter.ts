/**
 * A token bucket per socket. WebSocket messages never pass the api worker's rate limiter, so the room
 * (and each fan-out shard) enforces its own. Kept in memory: after hibernation a socket starts with a full
 * bucket, which only ever errs on the side of the fan.
 */
export class SocketRateLimiter {
  readonly #buckets = new WeakMap<WebSocket, { tokens: number; at: number }>();

  constructor(private readonly perSecond: number) {}

  /** Takes `cost` tokens if the socket has them; a refused take costs nothing. */
  take(ws: WebSocket, now = Date.now(), cost = 1): boolean {
    const bucket = this.#buckets.get(ws) ?? { tokens: this.perSecond, at: now };
    bucket.tokens = Math.min(this.perSecond, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    const allowed = bucket.tokens >= cost;
    if (allowed) bucket.tokens -= cost;
    this.#buckets.set(ws, bucket);
    return allowed;
  }
}
