/**
 * Vote → update latency at every other socket, without storing samples, across harness threads.
 *
 * Definition (from the issue): for a vote sent at time S and acknowledged with count C for song X, the
 * latency at socket K is the arrival time at K of the first `update` showing X's count ≥ C, minus S.
 *
 * The bench only casts votes (no unvotes), and the room decides them one at a time, so each count of a
 * song belongs to exactly one vote: count c of song X is "the c-th vote for X". That makes the work
 * cheap: per socket and song we keep the last count seen; an update raising it from a to b covers
 * counts a+1..b, i.e. exactly the votes whose latency this socket now completes. Each (socket, vote)
 * pair is touched once.
 *
 * The sockets are spread over several harness threads (harness-pool.ts). What one thread learns from an
 * ack (count c of song X was sent at S by socket V) every thread needs, so it lives in SharedArrayBuffers
 * (`SharedTracker`); each thread keeps its own sockets' last-seen counts and histogram, merged at the end.
 * Times are absolute (`clock()`: timeOrigin + now), comparable between threads.
 *
 * An update can reach a socket before the vote's ack has been read (by this or another thread): such
 * arrivals wait in `#pending` until a sweep finds the owning vote's send time.
 */
import { Histogram } from './histogram';

/** Absolute milliseconds, comparable between the harness's threads (each has its own timeOrigin). */
export const clock = (): number => performance.timeOrigin + performance.now();

/** Largest update seq whose first arrival is tracked for the broadcast spread. */
export const MAX_TRACKED_SEQ = 1 << 17;

/** The buffers every harness thread shares (created by the pool, sent to each thread). */
export interface SharedTrackerBuffers {
  songs: number;
  /** maxCount + 1: counts per song that can belong to one of our votes. */
  stride: number;
  /** Per song × count: the owning vote's send time (NaN until acked). */
  sendTime: SharedArrayBuffer;
  /** Per song × count: the sender's global socket index (-1: a join-churn fan, -2: unknown). */
  sender: SharedArrayBuffer;
  /** Per song × count: the first arrival at any socket (0 = not yet). */
  firstSeen: SharedArrayBuffer;
  /** Per song: the highest acked count (Int32, updated with Atomics). */
  finalCounts: SharedArrayBuffer;
  /** Per update seq: its first arrival at any socket (0 = not yet), for the broadcast spread. */
  updateFirstAt: SharedArrayBuffer;
}

export function createSharedTracker(songs: number, maxCount: number): SharedTrackerBuffers {
  const stride = maxCount + 1;
  const n = songs * stride;
  const b: SharedTrackerBuffers = {
    songs,
    stride,
    sendTime: new SharedArrayBuffer(n * 8),
    sender: new SharedArrayBuffer(n * 4),
    firstSeen: new SharedArrayBuffer(n * 8),
    finalCounts: new SharedArrayBuffer(songs * 4),
    updateFirstAt: new SharedArrayBuffer(MAX_TRACKED_SEQ * 8),
  };
  new Float64Array(b.sendTime).fill(NaN);
  new Int32Array(b.sender).fill(-2);
  return b;
}

export class SharedTracker {
  readonly songs: number;
  readonly stride: number;
  readonly sendTime: Float64Array;
  readonly sender: Int32Array;
  readonly firstSeen: Float64Array;
  readonly finalCounts: Int32Array;
  readonly updateFirstAt: Float64Array;

  constructor(b: SharedTrackerBuffers) {
    this.songs = b.songs;
    this.stride = b.stride;
    this.sendTime = new Float64Array(b.sendTime);
    this.sender = new Int32Array(b.sender);
    this.firstSeen = new Float64Array(b.firstSeen);
    this.finalCounts = new Int32Array(b.finalCounts);
    this.updateFirstAt = new Float64Array(b.updateFirstAt);
  }

  /** An ok ack: `count` of `song` belongs to the vote sent at `sentAt` (absolute) from global socket `sender`. */
  acked(song: number, count: number, sentAt: number, sender: number): void {
    for (;;) {
      const cur = Atomics.load(this.finalCounts, song);
      if (count <= cur || Atomics.compareExchange(this.finalCounts, song, cur, count) === cur) break;
    }
    if (count >= this.stride) return; // cannot happen: one vote per user per song
    const key = song * this.stride + count;
    this.sender[key] = sender;
    this.sendTime[key] = sentAt; // written last: a reader that sees the time also sees the sender
  }

  /**
   * The first arrival of update `seq` at any socket of any thread (a racy minimum: two threads seeing it
   * within microseconds of each other may both write; the error is that gap).
   */
  updateFirstArrival(seq: number, now: number): number {
    if (seq >= MAX_TRACKED_SEQ) return now;
    const cur = this.updateFirstAt[seq]!;
    if (cur === 0 || now < cur) {
      this.updateFirstAt[seq] = now;
      return now;
    }
    return cur;
  }

  /** Vote → first arrival anywhere, for every acked count seen by some socket (run once, at the end). */
  firstArrivalHistogram(): Histogram {
    const h = new Histogram();
    for (let i = 0; i < this.sendTime.length; i++) {
      const sent = this.sendTime[i]!;
      const first = this.firstSeen[i]!;
      if (!Number.isNaN(sent) && first > 0) h.record(first - sent);
    }
    return h;
  }

  sumOfFinalCounts(): number {
    let sum = 0;
    for (let i = 0; i < this.finalCounts.length; i++) sum += Atomics.load(this.finalCounts, i);
    return sum;
  }
}

/** One thread's sockets: their last-seen counts, the latency histogram, arrivals waiting for their ack. */
export class LatencyTracker {
  readonly histogram = new Histogram();
  /** lastSeen[local socket * songs + song]: the highest count of the song this socket has seen. */
  readonly #lastSeen: Int32Array;
  /** Arrivals before the ack, by song * stride + count: flat [global socket, time, …]. */
  readonly #pending = new Map<number, number[]>();
  /** Arrivals that had to wait for their ack (diagnostic). */
  pendingArrivals = 0;

  constructor(
    private readonly shared: SharedTracker,
    readonly sockets: number,
  ) {
    this.#lastSeen = new Int32Array(sockets * shared.songs);
  }

  /** A snapshot (on connect) sets the baseline: counts already shown are not deliveries of our votes. */
  baseline(local: number, song: number, votes: number): void {
    const i = local * this.shared.songs + song;
    if (votes > this.#lastSeen[i]!) this.#lastSeen[i] = votes;
  }

  /** Local socket `local` (global index `socket`) received, at `now`, an update saying `song` has `votes`. */
  seen(local: number, socket: number, song: number, votes: number, now: number): void {
    const sh = this.shared;
    const i = local * sh.songs + song;
    const from = this.#lastSeen[i]! + 1;
    if (votes < from) return;
    this.#lastSeen[i] = votes;
    const to = Math.min(votes, sh.stride - 1);
    const base = song * sh.stride;
    for (let c = from; c <= to; c++) {
      const key = base + c;
      const first = sh.firstSeen[key]!;
      if (first === 0 || now < first) sh.firstSeen[key] = now;
      const sentAt = sh.sendTime[key]!;
      if (!Number.isNaN(sentAt)) {
        if (sh.sender[key] !== socket) this.histogram.record(now - sentAt);
      } else {
        const list = this.#pending.get(key);
        if (list) list.push(socket, now);
        else this.#pending.set(key, [socket, now]);
        this.pendingArrivals++;
      }
    }
  }

  /** Records the waiting arrivals whose vote has been acked meanwhile (by any thread). */
  sweep(): void {
    const sh = this.shared;
    for (const [key, list] of this.#pending) {
      const sentAt = sh.sendTime[key]!;
      if (Number.isNaN(sentAt)) continue;
      const sender = sh.sender[key];
      for (let j = 0; j < list.length; j += 2) if (list[j] !== sender) this.histogram.record(list[j + 1]! - sentAt);
      this.#pending.delete(key);
    }
  }

  /** Counts seen by some socket that no ok ack ever claimed: votes counted without an ack reaching us. */
  unclaimedCounts(): number[] {
    return [...this.#pending.keys()];
  }

  /**
   * Deliveries still missing: for each open local socket and song, acked counts above what it saw.
   * Should be 0 once the room has flushed its last tick.
   */
  missingDeliveries(open: (local: number) => boolean): number {
    const songs = this.shared.songs;
    const finalCounts = this.shared.finalCounts;
    let missing = 0;
    for (let s = 0; s < this.sockets; s++) {
      if (!open(s)) continue;
      for (let song = 0; song < songs; song++) {
        const gap = Atomics.load(finalCounts, song) - this.#lastSeen[s * songs + song]!;
        if (gap > 0) missing += gap;
      }
    }
    return missing;
  }
}
