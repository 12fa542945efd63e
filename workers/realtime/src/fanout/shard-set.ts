import type { Logger } from '#shared/log';
import { fanoutShardName, type SocketRevocation } from '#shared/room-rpc';
import { type FanoutConfig, placeSocket } from './config';
import type { RoomFanoutRpc } from './protocol';

/** How long after a placement the socket may still be on its way to the shard (see `report`). */
const PLACEMENT_SETTLE_MS = 2000;

type ShardStub = DurableObjectStub<RoomFanoutRpc & Rpc.DurableObjectBranded>;
type FanoutNamespace = Pick<DurableObjectNamespace, 'idFromName'> & { get(id: DurableObjectId): unknown };

/**
 * The room's view of its fan-out shards: which are open (kept in the room's SQLite, so a room that hibernated
 * still delivers to them), about how many sockets each holds (each delivery's answer, and the shards' own
 * reports), where a new socket goes, and the one RPC per shard per logged message.
 */
export class ShardSet {
  /** Estimated sockets per open shard, by index (0..length-1). */
  readonly #counts: number[] = [];
  /** When the room last placed a socket on each shard. */
  readonly #placedAt: number[] = [];
  /**
   * Whether each count is a shard's own answer or the room's placement, rather than the 0 a woken room starts
   * from: only a known-empty shard is skipped by `deliver`.
   */
  readonly #known: boolean[] = [];
  readonly #stubs = new Map<number, ShardStub>();
  #showId: string | undefined;

  constructor(
    private readonly config: FanoutConfig,
    private readonly namespace: FanoutNamespace,
    private readonly sql: SqlStorage,
    private readonly log: Logger,
  ) {
    sql.exec('create table if not exists fanout_shards (shard integer primary key)');
    for (const row of sql.exec<{ shard: number }>('select shard from fanout_shards order by shard').toArray())
      this.#open(row.shard);
  }

  /** How many shards are open. */
  get size(): number {
    return this.#counts.length;
  }

  /** Sockets on all shards together (for `viewers`). */
  sockets(): number {
    let total = 0;
    for (const n of this.#counts) total += n;
    return total;
  }

  /** Where a new socket goes (fanout/config.ts); counts it there at once, before the shard reports it. */
  place(showId: string, ownSockets: number): number | null {
    this.#showId = showId;
    const shard = placeSocket(this.config, ownSockets, this.#counts);
    if (shard === null) return null;
    this.#open(shard);
    this.#counts[shard] = (this.#counts[shard] ?? 0) + 1;
    this.#placedAt[shard] = Date.now();
    this.#known[shard] = true;
    return shard;
  }

  /** A shard synced from the room: it is open from now on (also when it was placed by an earlier instance). */
  opened(showId: string, shard: number): void {
    this.#showId = showId;
    this.#open(shard);
  }

  /**
   * A shard's socket count (its report, or its answer to a delivery). It cannot include sockets placed there
   * whose upgrade has not arrived yet, so for a while after a placement the estimate only goes up: a count
   * that was too low would overfill the shard during a join storm; one too high opens the next shard early.
   * Returns whether the estimate changed.
   */
  report(shard: number, sockets: number): boolean {
    if (shard < 0 || !Number.isInteger(shard)) return false;
    this.#open(shard);
    const before = this.#counts[shard];
    const placing = Date.now() - (this.#placedAt[shard] ?? 0) < PLACEMENT_SETTLE_MS;
    this.#counts[shard] = placing ? Math.max(before ?? 0, sockets) : sockets;
    this.#known[shard] = true;
    return this.#counts[shard] !== before;
  }

  /**
   * A shard every socket has left, and none was placed on lately, gets no deliveries: it drops its copy of
   * the room when its last socket goes (RoomFanout), and the next socket placed there makes it sync afresh.
   * So a show whose crowd thinned out stops paying one RPC per tick for each shard it once needed.
   */
  #dormant(shard: number, now: number): boolean {
    return (
      this.#known[shard] === true &&
      this.#counts[shard] === 0 &&
      now - (this.#placedAt[shard] ?? 0) >= PLACEMENT_SETTLE_MS
    );
  }

  #open(shard: number): void {
    if (shard < this.#counts.length) return;
    for (let i = this.#counts.length; i <= shard; i++) {
      this.#counts.push(0);
      this.sql.exec('insert or ignore into fanout_shards (shard) values (?)', i);
    }
  }

  #stub(shard: number): ShardStub {
    let stub = this.#stubs.get(shard);
    if (!stub) {
      stub = this.namespace.get(this.namespace.idFromName(fanoutShardName(this.#showId!, shard))) as ShardStub;
      this.#stubs.set(shard, stub);
    }
    return stub;
  }

  /**
   * Sends one logged message to every open shard: one RPC each, not awaited (the room's thread moves on to
   * its own sockets and the next vote). Calls on one stub arrive in order; a shard that missed one (or was
   * evicted) fills the gap from the room's log when the next one arrives.
   */
  deliver(showId: string, seq: number, body: string, onCount: () => void): void {
    this.#showId = showId;
    const now = Date.now();
    for (let shard = 0; shard < this.#counts.length; shard++) {
      if (this.#dormant(shard, now)) continue;
      this.#stub(shard)
        .deliver(showId, shard, seq, body)
        .then(
          (sockets) => {
            if (this.report(shard, sockets)) onCount();
          },
          (err: unknown) => {
            // A broken stub stays broken: the next delivery gets a new one.
            this.#stubs.delete(shard);
            this.log.warn('delivery to a fan-out shard failed', { err, shard, seq });
          },
        );
    }
  }

  /** Hook for session revocation: closes one fan's sockets on every shard. */
  async closeUserSockets(showId: string, revocation: SocketRevocation, code: number, reason: string): Promise<number> {
    this.#showId = showId;
    const closed = await Promise.all(
      this.#counts.map((_, shard) => this.#stub(shard).closeUserSockets(showId, shard, revocation, code, reason)),
    );
    return closed.reduce((a, b) => a + b, 0);
  }
}
