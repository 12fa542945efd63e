/**
 * The fan-out tier's settings (realtime worker vars) and where a new socket goes. Pure, so that the rule is
 * unit-tested apart from the Durable Objects.
 *
 * - `ROOM_SHARDS = "auto"` (default): the room holds its sockets itself until it has `ROOM_SHARD_CAPACITY`
 *   of them; then every new socket goes to a fan-out shard, filling shard 0, 1, … up to the capacity each and
 *   opening the next when all open ones are full. Small rooms never pay the shard hop.
 * - `"0"`: no shards; every socket on the room (the tier off).
 * - `"N"`: every socket on one of exactly N shards, the least loaded.
 */
export type ShardMode = { kind: 'off' } | { kind: 'auto' } | { kind: 'fixed'; shards: number };

export interface FanoutConfig {
  mode: ShardMode;
  /** Sockets per shard (and, in auto mode, on the room itself before it opens shards). */
  capacity: number;
}

export const DEFAULT_SHARD_CAPACITY = 500;

export function fanoutConfig(env: { ROOM_SHARDS?: string; ROOM_SHARD_CAPACITY?: string }): FanoutConfig {
  const raw = (env.ROOM_SHARDS ?? 'auto').trim().toLowerCase();
  const capacity = Math.max(1, Math.floor(Number(env.ROOM_SHARD_CAPACITY)) || DEFAULT_SHARD_CAPACITY);
  if (raw === '' || raw === 'auto') return { mode: { kind: 'auto' }, capacity };
  const n = Math.floor(Number(raw));
  if (!Number.isFinite(n) || n <= 0) return { mode: { kind: 'off' }, capacity };
  return { mode: { kind: 'fixed', shards: n }, capacity };
}

/**
 * The shard a new socket goes to, or null for the room itself. `own` is the room's own socket count;
 * `shards[i]` the (estimated) socket count of shard i, for the shards opened so far (indices 0..length-1).
 */
export function placeSocket(config: FanoutConfig, own: number, shards: readonly number[]): number | null {
  const { mode, capacity } = config;
  if (mode.kind === 'off') return null;
  if (mode.kind === 'fixed') {
    let best = 0;
    for (let i = 1; i < mode.shards; i++) if ((shards[i] ?? 0) < (shards[best] ?? 0)) best = i;
    return best;
  }
  if (shards.length === 0 && own < capacity) return null;
  const open = shards.findIndex((count) => count < capacity);
  return open >= 0 ? open : shards.length;
}
