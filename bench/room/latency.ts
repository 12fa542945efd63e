/**
 * Vote → update latency at every other socket, without storing samples.
 *
 * Definition (from the issue): for a vote sent at time S and acknowledged with count C for song X, the
 * latency at socket K is the arrival time at K of the first `update` showing X's count ≥ C, minus S.
 *
 * The bench only casts votes (no unvotes), and the room decides them one at a time, so each count of a
 * song belongs to exactly one vote: count c of song X is "the c-th vote for X". That makes the work
 * cheap: per socket and song we keep the last count seen; an update raising it from a to b covers
 * counts a+1..b, i.e. exactly the votes whose latency this socket now completes. Each (socket, vote)
 * pair is touched once — ~60 M for 2,000 sockets × 30,000 votes, a few hundred ms of CPU in total.
 *
 * An update can reach a socket before the harness has read the vote's ack (the room broadcasts, then
 * acks, and sockets are read in any order). Such arrivals wait in `#pending` until the ack names
 * which vote owns that count.
 */
import { Histogram } from './histogram';

export class LatencyTracker {
  readonly histogram = new Histogram();
  /**
   * Vote → its first arrival at ANY socket: the server-side part of the latency (decision, tick wait,
   * start of the broadcast). The rest of `histogram` is the fan-out spread across sockets.
   */
  readonly firstArrival = new Histogram();
  /** Per song: the highest count any socket has seen (counts above it arrive for the first time). */
  readonly #seenByAny: Int32Array;
  /** lastSeen[socket * songs + song]: the highest count of the song this socket has seen. */
  readonly #lastSeen: Int32Array;
  /** Per song, indexed by count: the owning vote's send time (NaN until acked) and sender socket. */
  readonly #sendTime: Float64Array[];
  readonly #sender: Int32Array[];
  /** Arrivals before the ack, by song * stride + count: flat [socket, time, socket, time, …]. */
  readonly #pending = new Map<number, number[]>();
  readonly #stride: number;
  /** Arrivals that had to wait for their ack (diagnostic). */
  pendingArrivals = 0;

  constructor(
    readonly sockets: number,
    readonly songs: number,
    maxCount: number,
  ) {
    this.#lastSeen = new Int32Array(sockets * songs);
    this.#stride = maxCount + 1;
    this.#sendTime = Array.from({ length: songs }, () => new Float64Array(maxCount + 1).fill(NaN));
    this.#sender = Array.from({ length: songs }, () => new Int32Array(maxCount + 1).fill(-1));
    this.#seenByAny = new Int32Array(songs);
  }

  /** A snapshot (on connect) sets the baseline: counts already shown are not deliveries of our votes. */
  baseline(socket: number, song: number, votes: number): void {
    const i = socket * this.songs + song;
    if (votes > this.#lastSeen[i]!) this.#lastSeen[i] = votes;
    if (votes > this.#seenByAny[song]!) this.#seenByAny[song] = votes;
  }

  /** An ok ack: `count` of `song` belongs to the vote sent at `sentAt` from `sender`. */
  acked(song: number, count: number, sentAt: number, sender: number): void {
    if (count >= this.#stride) return; // cannot happen: one vote per voter per song
    this.#sendTime[song]![count] = sentAt;
    this.#sender[song]![count] = sender;
    const key = song * this.#stride + count;
    const early = this.#pending.get(key);
    if (!early) return;
    this.#pending.delete(key);
    this.firstArrival.record(early[1]! - sentAt); // the first entry is the first arrival anywhere
    for (let j = 0; j < early.length; j += 2) {
      if (early[j] !== sender) this.histogram.record(early[j + 1]! - sentAt);
    }
  }

  /** `socket` received, at `now`, an update saying `song` has `votes` votes. */
  seen(socket: number, song: number, votes: number, now: number): void {
    const i = socket * this.songs + song;
    const from = this.#lastSeen[i]! + 1;
    if (votes < from) return;
    this.#lastSeen[i] = votes;
    const times = this.#sendTime[song]!;
    const senders = this.#sender[song]!;
    const to = Math.min(votes, this.#stride - 1);
    const firstNew = this.#seenByAny[song]! + 1;
    if (to >= firstNew) this.#seenByAny[song] = to;
    for (let c = from; c <= to; c++) {
      const sentAt = times[c]!;
      if (sentAt === sentAt) {
        // acked (not NaN)
        if (senders[c] !== socket) this.histogram.record(now - sentAt);
        if (c >= firstNew) this.firstArrival.record(now - sentAt);
      } else {
        const key = song * this.#stride + c;
        const list = this.#pending.get(key);
        if (list) list.push(socket, now);
        else this.#pending.set(key, [socket, now]);
        this.pendingArrivals++;
      }
    }
  }

  /** Counts seen by some socket that no ok ack ever claimed: votes counted without an ack reaching us. */
  unclaimedCounts(): number {
    return this.#pending.size;
  }

  /**
   * Deliveries still missing at the end: for each open socket and song, acked counts above what it saw.
   * Should be 0 once the room has flushed its last tick.
   */
  missingDeliveries(finalCounts: Int32Array, open: (socket: number) => boolean): number {
    let missing = 0;
    for (let s = 0; s < this.sockets; s++) {
      if (!open(s)) continue;
      for (let song = 0; song < this.songs; song++) {
        const gap = finalCounts[song]! - this.#lastSeen[s * this.songs + song]!;
        if (gap > 0) missing += gap;
      }
    }
    return missing;
  }

  lastSeen(socket: number, song: number): number {
    return this.#lastSeen[socket * this.songs + song]!;
  }
}
