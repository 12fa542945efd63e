// bench:room's latency accounting across harness threads (bench/room/latency.ts): what one thread learns
// from an ack, another thread's sockets use to time their deliveries, through shared memory.
import { describe, expect, it } from 'vitest';
import { Histogram } from '../../bench/room/histogram';
import { createSharedTracker, LatencyTracker, SharedTracker } from '../../bench/room/latency';

describe('bench:room latency across threads', () => {
  it('times deliveries on one thread against acks read on another, before and after the ack', () => {
    const buffers = createSharedTracker(2, 10);
    // Two "threads": each its own view of the shared buffers and its own sockets.
    const a = new SharedTracker(buffers);
    const b = new SharedTracker(buffers);
    const onA = new LatencyTracker(a, 1); // global socket 0 (the voter)
    const onB = new LatencyTracker(b, 2); // global sockets 1 and 2
    // Socket 2 sees count 1 of song 0 before the voter's thread has read the ack: it waits.
    onB.seen(1, 2, 0, 1, 1_000_030);
    a.acked(0, 1, 1_000_000, 0); // the vote was sent at t=1,000,000 by socket 0
    onB.seen(0, 1, 0, 1, 1_000_050); // after the ack: recorded at once
    onA.seen(0, 0, 0, 1, 1_000_010); // the sender's own socket: not a sample
    expect(onB.histogram.count).toBe(1);
    onB.sweep();
    expect(onB.histogram.count).toBe(2);
    const merged = Histogram.mergeAll([onA.histogram.dump(), onB.histogram.dump()]);
    expect(merged.count).toBe(2);
    expect(merged.summary().maxMs).toBeCloseTo(50, 5);
    expect(merged.summary().minMs).toBeCloseTo(30, 5);
    // First arrival anywhere: the sender's socket at +10 ms, whichever thread saw it.
    expect(a.firstArrivalHistogram().summary().p50Ms).toBeCloseTo(10, 1);
    expect(a.sumOfFinalCounts()).toBe(1);
    expect(onB.unclaimedCounts()).toEqual([]);
    expect(onB.missingDeliveries(() => true)).toBe(0);
  });

  it('keeps the highest acked count per song whatever the order the threads report it in', () => {
    const buffers = createSharedTracker(1, 10);
    const a = new SharedTracker(buffers);
    const b = new SharedTracker(buffers);
    b.acked(0, 3, 3, -1);
    a.acked(0, 2, 2, 0);
    expect(a.sumOfFinalCounts()).toBe(3);
    const onA = new LatencyTracker(a, 1);
    onA.seen(0, 0, 0, 2, 10);
    expect(onA.missingDeliveries(() => true)).toBe(1); // count 3 never reached this socket
  });
});
