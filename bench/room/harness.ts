/**
 * The load harness: N WebSockets in one room (M of them voters), votes driven at a fixed total rate
 * (open loop: sends follow the clock, never wait for acks, so a slow server cannot slow the offered
 * load down and hide its own latency), and every delivery timed. The same code runs against the real
 * stack and against the baselines.
 *
 * The sockets are spread over `threads` worker threads (harness-thread.ts; socket i on thread i mod T),
 * so that 5,000 sockets' worth of reads fits: each thread has its own event loop, the ack → send-time
 * table the latency needs is shared memory (latency.ts), and each thread's histograms are merged here.
 */
import { Worker } from 'node:worker_threads';
import WebSocket from 'ws';
import type {
  ConnectResult,
  DriveResult,
  HarnessConfig,
  HarnessTarget,
  JoinResult,
  ThreadConnectResult,
  ThreadDriveResult,
  ThreadInit,
  ThreadRequest,
} from './harness-types';
import { COUNTER, COUNTERS } from './harness-types';
import { Histogram } from './histogram';
import { clock, createSharedTracker, SharedTracker } from './latency';

export type { ConnectResult, DriveResult, HarnessConfig, HarnessTarget } from './harness-types';

interface SnapshotMsg {
  type: string;
  seq: number;
  songs: { setlistSongId: string; votes: number }[];
}

class ThreadHandle {
  readonly worker: Worker;
  #next = 0;
  readonly #waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(init: ThreadInit) {
    // Worker threads do not inherit tsx's loader: register it in the thread, then load the entry.
    const tsx = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./harness-worker.ts', import.meta.url).href;
    this.worker = new Worker(
      `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`,
      { eval: true, workerData: init },
    );
    this.worker.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
      const w = this.#waiting.get(msg.id);
      if (!w) return;
      this.#waiting.delete(msg.id);
      if (msg.error !== undefined) w.reject(new Error(`harness thread ${init.thread}: ${msg.error}`));
      else w.resolve(msg.result);
    });
    this.worker.on('error', (err) => {
      for (const w of this.#waiting.values()) w.reject(err);
      this.#waiting.clear();
    });
  }

  call<T>(req: ThreadRequest): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, req });
    });
  }
}

export class Harness {
  #threads: ThreadHandle[] = [];
  #shared: SharedTracker | undefined;
  #counters: Int32Array<ArrayBufferLike> = new Int32Array(0);
  #songs = 0;
  /** Threads started (kept after close(): live() still reads their counters). */
  #threadCount = 0;

  constructor(
    private readonly target: HarnessTarget,
    private readonly cfg: HarnessConfig,
  ) {}

  /** One socket's snapshot (opened and closed again) defines the song list every thread is sized for. */
  async #probe(): Promise<SnapshotMsg> {
    const ws = new WebSocket(this.target.wsBase, { perMessageDeflate: false, handshakeTimeout: 30_000 });
    try {
      return await new Promise<SnapshotMsg>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no snapshot within 30 s')), 30_000);
        ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
        ws.once('error', reject);
        ws.once('message', (data: Buffer) => {
          clearTimeout(timer);
          const msg = JSON.parse(data.toString('utf8')) as SnapshotMsg;
          if (msg.type === 'snapshot') resolve(msg);
          else reject(new Error(`first message was ${msg.type}`));
        });
      });
    } catch (err) {
      throw new Error(`${this.target.name}: the probe socket got no snapshot: ${(err as Error).message}`);
    } finally {
      ws.terminate();
    }
  }

  async connect(): Promise<ConnectResult> {
    const { sockets, voters, threads, rampBatch, stormS } = this.cfg;
    if (this.target.voterTokens.length < voters)
      throw new Error(`${this.target.name}: ${voters} voters needed, ${this.target.voterTokens.length} tokens`);
    const probe = await this.#probe();
    const songIds = probe.songs.map((s) => s.setlistSongId);
    this.#songs = songIds.length;
    const preexisting = Math.max(0, ...probe.songs.map((s) => s.votes));
    const buffers = createSharedTracker(songIds.length, preexisting + voters + (this.target.joinTokens?.length ?? 0));
    this.#shared = new SharedTracker(buffers);
    const counters = new SharedArrayBuffer(threads * COUNTERS * 4);
    this.#counters = new Int32Array(counters);
    this.#threads = Array.from(
      { length: threads },
      (_, thread) =>
        new ThreadHandle({
          thread,
          threads,
          target: this.target,
          sockets,
          voters,
          songIds,
          shared: buffers,
          counters,
        }),
    );
    this.#threadCount = threads;
    const start = performance.now();
    const storm = stormS ? { startAt: clock() + 300, overMs: stormS * 1000 } : undefined;
    const results = await Promise.all(
      this.#threads.map((t) =>
        t.call<ThreadConnectResult>({ op: 'connect', storm, batch: Math.max(1, Math.ceil(rampBatch / threads)) }),
      ),
    );
    const wallS = (performance.now() - start) / 1000 - (storm ? 0.3 : 0);
    const ok = results.reduce((a, r) => a + r.ok, 0);
    const failures: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r.failures)) failures[k] = (failures[k] ?? 0) + v;
    const snapshotMs = Histogram.mergeAll(results.map((r) => r.snapshotMs));
    const mode = storm ? `storm: all within ${stormS} s` : `batches of ${rampBatch}`;
    this.cfg.log(
      `${this.target.name}: ${ok}/${sockets} sockets connected in ${wallS.toFixed(1)} s (${mode}, ${threads} harness threads)${ok < sockets ? ` (failures: ${JSON.stringify(failures)})` : ''}`,
    );
    if (ok === 0) throw new Error(`${this.target.name}: no socket got a snapshot (${JSON.stringify(failures)})`);
    return {
      attempted: sockets,
      ok,
      failed: sockets - ok,
      failures,
      snapshotMs: snapshotMs.summary(),
      wallS,
      songs: songIds.length,
      mode,
      threads,
    };
  }

  async drive(): Promise<DriveResult> {
    const { rate, durationS, joinRate, joinVotes } = this.cfg;
    const total = Math.round(rate * durationS);
    const join = joinRate > 0 && this.target.joinTokens?.length ? { rate: joinRate, votes: joinVotes } : undefined;
    const startAt = clock() + 300;
    this.cfg.onDriveStart?.();
    await Promise.all(this.#threads.map((t) => t.call({ op: 'drive', startAt, rate, durationS, join })));
    // Every vote answered (or 15 s), then every socket caught up with every acked count (or 10 s); acks
    // that come later still count (see live()), but the latency figures are taken here.
    const ackDeadline = clock() + 15_000;
    await Promise.all(this.#threads.map((t) => t.call({ op: 'awaitAcks', deadline: ackDeadline })));
    const settleStart = clock();
    const missing = await Promise.all(
      this.#threads.map((t) => t.call<number>({ op: 'settle', deadline: settleStart + 10_000 })),
    );
    const settleMs = clock() - settleStart;
    this.cfg.onDriveEnd?.();
    const r = await Promise.all(this.#threads.map((t) => t.call<ThreadDriveResult>({ op: 'report' })));

    const sum = (get: (x: ThreadDriveResult) => number) => r.reduce((a, x) => a + get(x), 0);
    const merge = (get: (x: ThreadDriveResult) => Record<string, number>) => {
      const out: Record<string, number> = {};
      for (const x of r) for (const [k, v] of Object.entries(get(x))) out[k] = (out[k] ?? 0) + v;
      return out;
    };
    const hist = (get: (x: ThreadDriveResult) => Parameters<typeof Histogram.load>[0]) =>
      Histogram.mergeAll(r.map(get)).summary();
    const acksOk = sum((x) => x.acksOk);
    const votesSent = sum((x) => x.votesSent);
    const lastOkAckAt = Math.max(...r.map((x) => x.lastOkAckAt));
    // Every thread sees every distinct update: take the thread that saw the most (all, unless it lost sockets).
    const top = r.reduce((a, x) => (x.distinctUpdates > a.distinctUpdates ? x : a));
    const windowS = durationS;
    const connected = sum((x) => x.open);
    const unclaimed = new Set(r.flatMap((x) => x.unclaimed)).size;
    const shared = this.#shared!;
    const worstLoop = r.reduce((a, x) => (x.eventLoopDelay.p99Ms > a.eventLoopDelay.p99Ms ? x : a)).eventLoopDelay;
    let joinResult: JoinResult | undefined;
    if (join) {
      const j = r.map((x) => x.join);
      const joinSent = j.reduce((a, x) => a + x.votesSent, 0);
      const joinOk = j.reduce((a, x) => a + x.acksOk, 0);
      const joinFailed: Record<string, number> = {};
      for (const x of j) for (const [k, v] of Object.entries(x.acksFailed)) joinFailed[k] = (joinFailed[k] ?? 0) + v;
      const connectFailures: Record<string, number> = {};
      for (const x of j)
        for (const [k, v] of Object.entries(x.connectFailures)) connectFailures[k] = (connectFailures[k] ?? 0) + v;
      joinResult = {
        rate: join.rate,
        votesPerFan: join.votes,
        users: this.target.joinTokens!.length,
        fansPlanned: Math.floor(join.rate * durationS),
        fansJoined: j.reduce((a, x) => a + x.fansJoined, 0),
        connectFailures,
        snapshotMs: Histogram.mergeAll(j.map((x) => x.snapshotMs)).summary(),
        votesSent: joinSent,
        acksOk: joinOk,
        acksFailed: joinFailed,
        unanswered: joinSent - joinOk - Object.values(joinFailed).reduce((a, b) => a + b, 0),
        ackLatency: Histogram.mergeAll(j.map((x) => x.ackLatency)).summary(),
      };
    }
    return {
      targetRate: rate,
      durationS,
      votesPlanned: total,
      votesSent,
      votesSkipped: sum((x) => x.votesSkipped),
      acksOk,
      acksFailed: merge((x) => x.acksFailed),
      unanswered: votesSent - this.#resolved(),
      acceptedPerS: acksOk / Math.max(0.001, (lastOkAckAt - startAt) / 1000),
      lastAckAfterS: (lastOkAckAt - startAt) / 1000,
      updatesDelivered: sum((x) => x.updatesDelivered),
      distinctUpdates: top.distinctUpdates,
      changesPerUpdate: top.changeEntries / Math.max(1, top.distinctUpdates),
      votesPerUpdate: acksOk / Math.max(1, top.distinctUpdates),
      updatesPerS: sum((x) => x.updatesInWindow) / windowS,
      updatesPerSocketPerS: sum((x) => x.updatesInWindow) / windowS / Math.max(1, connected),
      seqGaps: sum((x) => x.seqGaps),
      unexpectedCloses: merge((x) => x.closes),
      latency: hist((x) => x.latency),
      firstArrival: shared.firstArrivalHistogram().summary(),
      broadcastSpread: hist((x) => x.spread),
      ackLatency: hist((x) => x.ackLatency),
      sendLag: hist((x) => x.sendLag),
      eventLoopDelay: worstLoop,
      settleMs,
      missingDeliveries: missing.reduce((a, b) => a + b, 0),
      unclaimedCounts: unclaimed,
      jsonParses: sum((x) => x.jsonParses),
      sumOfAckedCounts: shared.sumOfFinalCounts(),
      join: joinResult,
    };
  }

  #slot(i: number): number {
    let s = 0;
    for (let t = 0; t < this.#threadCount; t++) s += Atomics.load(this.#counters, t * COUNTERS + i);
    return s;
  }

  #resolved(): number {
    return this.#slot(COUNTER.resolved);
  }

  /**
   * Ack counts right now. Sockets stay open after `drive()`, so acks that arrive late (a room with a
   * backlog answers minutes later) are still counted, and the consistency check uses these. Votes of the
   * fans who joined during the drive count too: their counts are in the room like any other.
   */
  live(): { acksOk: number; unanswered: number; sumOfAckedCounts: number; lateAcks: number } {
    const joinUnanswered = this.#slot(COUNTER.joinSent) - this.#slot(COUNTER.joinResolved);
    return {
      acksOk: this.#slot(COUNTER.acksOk) + this.#slot(COUNTER.joinAcksOk),
      unanswered: this.#slot(COUNTER.votesSent) - this.#resolved() + joinUnanswered,
      sumOfAckedCounts: this.#shared?.sumOfFinalCounts() ?? 0,
      lateAcks: this.#resolved() - this.#slot(COUNTER.resolvedAtDriveEnd),
    };
  }

  get songs(): number {
    return this.#songs;
  }

  /** Closes every socket and stops the threads. */
  async close(): Promise<void> {
    // A thread still reading a server's backlog may answer late: 10 s, then the threads are terminated.
    await Promise.race([
      Promise.allSettled(this.#threads.map((t) => t.call({ op: 'close' }))),
      new Promise((r) => setTimeout(r, 10_000)),
    ]);
    await Promise.allSettled(this.#threads.map((t) => t.worker.terminate()));
    this.#threads = [];
  }
}
