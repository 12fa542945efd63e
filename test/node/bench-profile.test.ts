// The CPU-profile summary of the benches (bench/room/profile.ts): V8 samples an isolate only while it is entered,
// so a gap in the samples is time outside the isolate (waiting for Postgres, other isolates), not time of the
// function sampled last before it (issue #16: the Neon driver's `ws.send` "took" 41 % of the api's profile).
import { describe, expect, it } from 'vitest';
import { type CpuProfile, GAP_INTERVALS, summarise } from '../../bench/room/profile';

const frame = (functionName: string, line = -1) => ({
  functionName,
  url: line < 0 ? '' : 'index.js',
  lineNumber: line < 0 ? -1 : line - 1,
});

// root ─ handler (index.js:10)
//      ─ (anonymous) index.js:3407 (the driver's write timer) ─ send (native)
//      ─ recordEvent index.js:47751 ─ send (native: a queue's)
//      ─ (idle)
const nodes: CpuProfile['nodes'] = [
  { id: 1, callFrame: frame('(root)'), children: [2, 3, 5, 7] },
  { id: 2, callFrame: frame('handler', 10) },
  { id: 3, callFrame: frame('', 3407), children: [4] },
  { id: 4, callFrame: frame('send') },
  { id: 5, callFrame: frame('recordEvent', 47751), children: [6] },
  { id: 6, callFrame: frame('send') },
  { id: 7, callFrame: frame('(idle)') },
];

describe('bench CPU profile summary', () => {
  it('counts a gap in the samples as outside the isolate, not as the last function sampled before it', () => {
    const interval = 500;
    // 4 samples of the handler, the driver's send, then 40 ms without samples (the database round trip),
    // then the handler again, a queue send, and 1 ms idle.
    const samples = [2, 2, 2, 2, 4, 2, 6, 7, 7];
    const timeDeltas = [0, 500, 500, 500, 500, 40_000, 500, 500, 500];
    const endTime = timeDeltas.reduce((a, b) => a + b, 0) + 500;
    const summary = summarise(
      { nodes, startTime: 0, endTime, samples, timeDeltas },
      { target: 't', file: 'f', topN: 10, intervalUs: interval },
    );
    const byFn = Object.fromEntries(summary.top.map((t) => [t.fn, t]));
    // The send sampled once stands for at most GAP_INTERVALS intervals, not for the 40 ms after it.
    expect(byFn['send ← (anonymous) index.js:3407']).toEqual({
      fn: 'send ← (anonymous) index.js:3407',
      selfMs: (GAP_INTERVALS * interval) / 1000,
      selfPct: expect.any(Number),
      samples: 1,
    });
    // Native functions are told apart by their caller.
    expect(byFn['send ← recordEvent index.js:47751']?.selfMs).toBe(0.5);
    expect(byFn['handler index.js:10']?.samples).toBe(5);
    expect(summary.outsideMs).toBeCloseTo((40_000 - GAP_INTERVALS * interval + 500) / 1000, 6);
    // Running: the handler's 2.5 ms and the two sends'; idle and the gap are not.
    const runningMs = 2.5 + (GAP_INTERVALS * interval) / 1000 + 0.5;
    expect(summary.busyPct).toBeCloseTo((100 * runningMs) / (endTime / 1000), 6);
  });
});
