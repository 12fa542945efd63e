/**
 * One harness thread: its share of the room's sockets (global socket i belongs to thread i % threads),
 * the votes of its voters on the open-loop schedule all threads share, its share of the fans joining
 * during the drive, and every delivery to its sockets timed. Each client parses what it receives, as an
 * outside client would (an update's identical copies are recognised by seq and length, see client.ts).
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { type DecodedUpdate, UpdateDecoder } from './client';
import {
  COUNTER,
  COUNTERS,
  type ThreadConnectResult,
  type ThreadDriveResult,
  type ThreadInit,
  type ThreadRequest,
} from './harness-types';
import { Histogram } from './histogram';
import { clock, LatencyTracker, SharedTracker } from './latency';

interface SnapshotMsg {
  seq: number;
  songs: { setlistSongId: string; votes: number }[];
}

interface Sock {
  ws: WebSocket;
  /** Global index (0..sockets-1) and index within this thread. */
  index: number;
  local: number;
  open: boolean;
  seq: number;
}

const LOOP_RESOLUTION_MS = 10;
const SNAPSHOT_TIMEOUT_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type AckMsg = { ref?: string | null; ok?: boolean; result?: { votes?: number }; error?: { code: string } };

export class HarnessThread {
  readonly #init: ThreadInit;
  readonly #shared: SharedTracker;
  readonly #tracker: LatencyTracker;
  readonly #decoder: UpdateDecoder;
  readonly #counters: Int32Array;
  readonly #songIndex = new Map<string, number>();
  /** Global socket indices of this thread, by local index. */
  readonly #mine: number[] = [];
  readonly #socks: Sock[] = [];
  #driving = false;
  #windowEnd = Infinity;
  readonly #voteIndex = new Map<string, number>();
  #voteSong = new Int32Array(0);
  #voteSender = new Int32Array(0);
  #voteSentAt = new Float64Array(0);
  #voteState = new Uint8Array(0); // 0 none, 1 sent, 2 ok, 3 failed
  #acksOk = 0;
  #lastOkAckAt = 0;
  readonly #acksFailed: Record<string, number> = {};
  #updates = 0;
  #updatesInWindow = 0;
  #seqGaps = 0;
  readonly #closes: Record<string, number> = {};
  readonly #ackLatency = new Histogram();
  readonly #spread = new Histogram();
  readonly #sendLag = new Histogram();
  #resolved = 0;
  #votesSent = 0;
  #votesSkipped = 0;
  #distinctUpdates = 0;
  #changeEntries = 0;
  #loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  #sweepTimer: NodeJS.Timeout | undefined;
  // join churn
  readonly #join = {
    fansJoined: 0,
    connectFailures: {} as Record<string, number>,
    snapshotMs: new Histogram(),
    votesSent: 0,
    acksOk: 0,
    acksFailed: {} as Record<string, number>,
    ackLatency: new Histogram(),
    open: new Set<WebSocket>(),
    pendingFans: new Set<Promise<void>>(),
  };

  constructor(init: ThreadInit) {
    this.#init = init;
    this.#shared = new SharedTracker(init.shared);
    this.#counters = new Int32Array(init.counters, init.thread * COUNTERS * 4, COUNTERS);
    for (const [i, id] of init.songIds.entries()) this.#songIndex.set(id, i);
    for (let g = init.thread; g < init.sockets; g += init.threads) this.#mine.push(g);
    this.#tracker = new LatencyTracker(this.#shared, this.#mine.length);
    this.#decoder = new UpdateDecoder(this.#songIndex);
  }

  handle(req: ThreadRequest): Promise<unknown> {
    switch (req.op) {
      case 'connect':
        return this.connect(req.storm, req.batch);
      case 'drive':
        return this.drive(req.startAt, req.rate, req.durationS, req.join);
      case 'awaitAcks':
        return this.awaitAcks(req.deadline);
      case 'settle':
        return this.settle(req.deadline);
      case 'report':
        return Promise.resolve(this.report());
      case 'close':
        return this.close();
    }
  }

  #url(token: string | undefined): string {
    const { wsBase } = this.#init.target;
    return `${wsBase}${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  }

  // ---------------------------------------------------------------- connecting

  async connect(storm: { startAt: number; overMs: number } | undefined, batch: number): Promise<ThreadConnectResult> {
    const { voters, sockets } = this.#init;
    const failures: Record<string, number> = {};
    const snapshotMs = new Histogram();
    let ok = 0;
    const tally = (r: number | { error: string }) => {
      if (typeof r === 'number') {
        ok++;
        snapshotMs.record(r);
      } else failures[r.error] = (failures[r.error] ?? 0) + 1;
    };
    const open = (local: number) => {
      const g = this.#mine[local]!;
      return this.#open(local, g < voters ? this.#init.target.voterTokens[g] : undefined).then(tally);
    };
    if (storm) {
      // Open loop: socket g opens at startAt + g/N of the window, whether or not earlier ones got their snapshot.
      const all: Promise<void>[] = [];
      let next = 0;
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          const due = Math.floor(((clock() - storm.startAt) / storm.overMs) * sockets);
          while (next < this.#mine.length && this.#mine[next]! <= due) all.push(open(next++));
          if (next >= this.#mine.length) {
            clearInterval(timer);
            resolve();
          }
        }, 1);
      });
      await Promise.all(all);
    } else {
      for (let i = 0; i < this.#mine.length; i += batch) {
        const locals = Array.from({ length: Math.min(batch, this.#mine.length - i) }, (_, j) => i + j);
        await Promise.all(locals.map(open));
      }
    }
    return { ok, failures, snapshotMs: snapshotMs.dump() };
  }

  /** Opens local socket `local`; resolves with ms until its snapshot, or the failure reason. */
  #open(local: number, token: string | undefined): Promise<number | { error: string }> {
    const t0 = performance.now();
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: number | { error: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      // No permessage-deflate and no UTF-8 validation: harness CPU is taken from the server it measures.
      const ws = new WebSocket(this.#url(token), {
        perMessageDeflate: false,
        skipUTF8Validation: true,
        handshakeTimeout: SNAPSHOT_TIMEOUT_MS,
      });
      const sock: Sock = { ws, index: this.#mine[local]!, local, open: false, seq: -1 };
      this.#socks[local] = sock;
      const timer = setTimeout(() => {
        ws.terminate();
        done({ error: 'timeout waiting for snapshot' });
      }, SNAPSHOT_TIMEOUT_MS);
      ws.on('unexpected-response', (_req, res) => {
        done({ error: `HTTP ${res.statusCode}` });
        ws.terminate();
      });
      ws.on('error', (err) => done({ error: (err as NodeJS.ErrnoException).code ?? err.message }));
      ws.on('close', (code) => {
        if (sock.open) {
          sock.open = false;
          const key = String(code);
          this.#closes[key] = (this.#closes[key] ?? 0) + 1;
        }
        done({ error: `closed ${code} before snapshot` });
      });
      ws.on('message', (data: Buffer) => {
        const now = clock();
        if (!sock.open) {
          const msg = JSON.parse(data.toString('utf8')) as SnapshotMsg & { type: string };
          if (msg.type !== 'snapshot') return done({ error: `first message was ${msg.type}` });
          this.#applySnapshot(sock, msg);
          sock.open = true;
          done(performance.now() - t0);
          return;
        }
        this.#onMessage(sock, data, now);
      });
    });
  }

  #applySnapshot(sock: Sock, msg: SnapshotMsg): void {
    for (const s of msg.songs) {
      const idx = this.#songIndex.get(s.setlistSongId);
      if (idx !== undefined) this.#tracker.baseline(sock.local, idx, s.votes);
    }
    sock.seq = msg.seq;
  }

  // ---------------------------------------------------------------- receiving

  #onMessage(sock: Sock, data: Buffer, now: number): void {
    const decoder = this.#decoder;
    const hit = decoder.cached(data);
    if (hit) {
      this.#onUpdate(sock, hit, now);
      return;
    }
    const msg = decoder.parse(data) as AckMsg & { type: string; seq?: number };
    if (msg.type === 'update') {
      const update = decoder.remember(msg as Parameters<UpdateDecoder['remember']>[0], data.length, now);
      if (this.#driving) {
        this.#distinctUpdates++;
        this.#changeEntries += update.changes.length / 2;
      }
      this.#onUpdate(sock, update, now);
      return;
    }
    if (msg.type === 'ack') {
      this.#onAck(msg, now);
      return;
    }
    if (msg.type === 'status' && typeof msg.seq === 'number') sock.seq = msg.seq;
    if (msg.type === 'snapshot') this.#applySnapshot(sock, msg as unknown as SnapshotMsg);
  }

  #onUpdate(sock: Sock, update: DecodedUpdate, now: number): void {
    if (update.seq !== sock.seq + 1) this.#seqGaps++;
    sock.seq = update.seq;
    this.#updates++;
    if (now <= this.#windowEnd && this.#driving) {
      this.#updatesInWindow++;
      this.#spread.record(now - this.#shared.updateFirstArrival(update.seq, update.firstAt));
    }
    const c = update.changes;
    for (let j = 0; j < c.length; j += 2) this.#tracker.seen(sock.local, sock.index, c[j]!, c[j + 1]!, now);
  }

  #onAck(msg: AckMsg, now: number): void {
    const v = msg.ref ? this.#voteIndex.get(msg.ref) : undefined;
    if (v === undefined || this.#voteState[v] !== 1) {
      const key = `unmatched:${msg.error?.code ?? 'ok'}`;
      this.#acksFailed[key] = (this.#acksFailed[key] ?? 0) + 1;
      return;
    }
    this.#resolved++;
    this.#counters[COUNTER.resolved] = this.#resolved;
    if (msg.ok && typeof msg.result?.votes === 'number') {
      this.#voteState[v] = 2;
      this.#acksOk++;
      this.#counters[COUNTER.acksOk] = this.#acksOk;
      this.#lastOkAckAt = now;
      const sentAt = this.#voteSentAt[v]!;
      this.#ackLatency.record(now - sentAt);
      this.#shared.acked(this.#voteSong[v]!, msg.result.votes, sentAt, this.#voteSender[v]!);
    } else {
      this.#voteState[v] = 3;
      const code = msg.error?.code ?? 'no_result';
      this.#acksFailed[code] = (this.#acksFailed[code] ?? 0) + 1;
    }
  }

  // ---------------------------------------------------------------- driving

  /**
   * Sends this thread's votes of the shared open-loop schedule (vote i at startAt + i/rate, by voter
   * i % voters), and runs this thread's share of the joining fans. Resolves when the last vote is sent.
   */
  async drive(
    startAt: number,
    rate: number,
    durationS: number,
    join: { rate: number; votes: number } | undefined,
  ): Promise<void> {
    const { voters, threads, thread } = this.#init;
    const songs = this.#songIndex.size;
    const total = Math.round(rate * durationS);
    this.#voteSong = new Int32Array(total);
    this.#voteSender = new Int32Array(total);
    this.#voteSentAt = new Float64Array(total);
    this.#voteState = new Uint8Array(total);
    // Each voter votes for its songs in its own random order: one vote per voter per song.
    const order = new Map<number, Uint16Array>();
    for (let v = thread; v < voters; v += threads) order.set(v, shuffled(songs));
    const next = new Int32Array(voters);
    const songIds = [...this.#songIndex.keys()];
    const interval = 1000 / rate;
    // Votes of one thread: i ≡ v (mod voters) for its voters v; walk the schedule and skip the others'.
    let i = 0;
    const sendDue = () => {
      const now = clock();
      const due = Math.min(total, Math.floor((now - startAt) / interval) + 1);
      for (; i < due; i++) {
        const voter = i % voters;
        if (voter % threads !== thread) continue;
        const sock = this.#socks[Math.floor(voter / threads)];
        if (!sock?.open || next[voter]! >= songs) {
          this.#votesSkipped++;
          continue;
        }
        const song = order.get(voter)![next[voter]!++]!;
        const id = randomUUID();
        this.#voteIndex.set(id, i);
        this.#voteSong[i] = song;
        this.#voteSender[i] = voter;
        this.#voteState[i] = 1;
        const t = clock();
        this.#voteSentAt[i] = t;
        this.#sendLag.record(t - (startAt + i * interval));
        this.#votesSent++;
        this.#counters[COUNTER.votesSent] = this.#votesSent;
        sock.ws.send(`{"type":"vote","id":"${id}","setlistSongId":"${songIds[song]}"}`);
      }
    };
    while (clock() < startAt - 2) await sleep(Math.max(1, startAt - clock() - 2));
    this.#loop.enable();
    this.#windowEnd = startAt + durationS * 1000;
    this.#driving = true;
    this.#sweepTimer = setInterval(() => this.#tracker.sweep(), 250);
    if (join) this.#startJoins(startAt, durationS, join, songIds);
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        sendDue();
        if (i >= total) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
  }

  /** Waits until every vote this thread sent is answered and its joining fans have left (or the deadline). */
  async awaitAcks(deadline: number): Promise<void> {
    while ((this.#resolved < this.#votesSent || this.#join.pendingFans.size > 0) && clock() < deadline) await sleep(20);
  }

  /** Waits until every socket of this thread saw every acked count (or the deadline); returns what is missing. */
  async settle(deadline: number): Promise<number> {
    const isOpen = (l: number) => this.#socks[l]?.open === true;
    while (this.#tracker.missingDeliveries(isOpen) > 0 && clock() < deadline) await sleep(50);
    this.#counters[COUNTER.resolvedAtDriveEnd] = this.#resolved;
    this.#driving = false;
    this.#loop.disable();
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    return this.#tracker.missingDeliveries(isOpen);
  }

  report(): ThreadDriveResult {
    this.#tracker.sweep();
    const loop = this.#loop;
    const ms = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
    const j = this.#join;
    return {
      votesSent: this.#votesSent,
      votesSkipped: this.#votesSkipped,
      acksOk: this.#acksOk,
      acksFailed: { ...this.#acksFailed },
      lastOkAckAt: this.#lastOkAckAt,
      updatesDelivered: this.#updates,
      updatesInWindow: this.#updatesInWindow,
      distinctUpdates: this.#distinctUpdates,
      changeEntries: this.#changeEntries,
      seqGaps: this.#seqGaps,
      closes: { ...this.#closes },
      open: this.#socks.filter((s) => s?.open).length,
      latency: this.#tracker.histogram.dump(),
      spread: this.#spread.dump(),
      ackLatency: this.#ackLatency.dump(),
      sendLag: this.#sendLag.dump(),
      eventLoopDelay: {
        meanMs: ms(loop.mean),
        p50Ms: ms(loop.percentile(50)),
        p99Ms: ms(loop.percentile(99)),
        maxMs: ms(loop.max),
      },
      missingDeliveries: this.#tracker.missingDeliveries((l) => this.#socks[l]?.open === true),
      unclaimed: this.#tracker.unclaimedCounts(),
      jsonParses: this.#decoder.parses,
      join: {
        fansJoined: j.fansJoined,
        connectFailures: { ...j.connectFailures },
        snapshotMs: j.snapshotMs.dump(),
        votesSent: j.votesSent,
        acksOk: j.acksOk,
        acksFailed: { ...j.acksFailed },
        ackLatency: j.ackLatency.dump(),
      },
    };
  }

  // ---------------------------------------------------------------- fans joining during the drive

  /**
   * Fan f (of all threads) joins at startAt + f/rate; this thread runs f ≡ thread (mod threads). Each
   * signs in with a token of the join pool (user u = f mod pool, on its r-th visit), waits for its
   * snapshot, votes `votes` songs no earlier visit of that user voted, and leaves once every vote is
   * answered. Its acks feed the shared tracker (sender -1), so its votes count in the latency and checks.
   */
  #startJoins(startAt: number, durationS: number, join: { rate: number; votes: number }, songIds: string[]): void {
    const tokens = this.#init.target.joinTokens ?? [];
    if (!tokens.length) return;
    const { threads, thread } = this.#init;
    const total = Math.floor(join.rate * durationS);
    let f = thread;
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((clock() - startAt) / 1000) * join.rate) + 1);
      for (; f < due; f += threads) {
        const user = f % tokens.length;
        const visit = Math.floor(f / tokens.length);
        // A user's visits take consecutive songs from its own offset: one vote per user per song.
        const offset = (user * 37) % songIds.length;
        const picks: number[] = [];
        for (let k = 0; k < join.votes; k++) {
          const n = visit * join.votes + k;
          if (n < songIds.length) picks.push((offset + n) % songIds.length);
        }
        const fan = this.#joinFan(tokens[user]!, picks, songIds);
        this.#join.pendingFans.add(fan);
        void fan.finally(() => this.#join.pendingFans.delete(fan));
      }
      if (f >= total) clearInterval(timer);
    }, 5);
  }

  #joinFan(token: string, songs: number[], songIds: string[]): Promise<void> {
    const j = this.#join;
    const t0 = clock();
    return new Promise<void>((resolve) => {
      const ws = new WebSocket(this.#url(token), {
        perMessageDeflate: false,
        skipUTF8Validation: true,
        handshakeTimeout: SNAPSHOT_TIMEOUT_MS,
      });
      const sent = new Map<string, { song: number; at: number }>();
      let joined = false;
      let finished = false;
      const finish = (error?: string) => {
        if (finished) return;
        finished = true;
        if (error) j.connectFailures[error] = (j.connectFailures[error] ?? 0) + 1;
        j.open.delete(ws);
        if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'fan leaves');
        else ws.terminate();
        resolve();
      };
      const timer = setTimeout(() => finish(joined ? undefined : 'timeout waiting for snapshot'), SNAPSHOT_TIMEOUT_MS);
      j.open.add(ws);
      ws.on('unexpected-response', (_req, res) => finish(`HTTP ${res.statusCode}`));
      ws.on('error', (err) => finish((err as NodeJS.ErrnoException).code ?? err.message));
      ws.on('close', (code) => finish(joined ? undefined : `closed ${code} before snapshot`));
      ws.on('message', (data: Buffer) => {
        const now = clock();
        if (!joined) {
          const msg = JSON.parse(data.toString('utf8')) as { type: string };
          if (msg.type !== 'snapshot') return finish(`first message was ${msg.type}`);
          joined = true;
          clearTimeout(timer);
          j.fansJoined++;
          j.snapshotMs.record(now - t0);
          for (const song of songs) {
            const id = randomUUID();
            sent.set(id, { song, at: clock() });
            j.votesSent++;
            this.#counters[COUNTER.joinSent] = j.votesSent;
            ws.send(`{"type":"vote","id":"${id}","setlistSongId":"${songIds[song]}"}`);
          }
          if (!songs.length) finish();
          return;
        }
        // Every message is read, as a real client's would be; only acks matter to this fan.
        if (this.#decoder.cached(data)) return;
        const msg = this.#decoder.parse(data) as AckMsg & { type: string };
        if (msg.type !== 'ack' || !msg.ref) return;
        const vote = sent.get(msg.ref);
        if (!vote) return;
        sent.delete(msg.ref);
        this.#counters[COUNTER.joinResolved] = (this.#counters[COUNTER.joinResolved] ?? 0) + 1;
        if (msg.ok && typeof msg.result?.votes === 'number') {
          j.acksOk++;
          this.#counters[COUNTER.joinAcksOk] = j.acksOk;
          j.ackLatency.record(now - vote.at);
          this.#shared.acked(vote.song, msg.result.votes, vote.at, -1);
        } else {
          const code = msg.error?.code ?? 'no_result';
          j.acksFailed[code] = (j.acksFailed[code] ?? 0) + 1;
        }
        if (sent.size === 0) finish();
      });
    });
  }

  /** Closes every socket (normal closure), terminating those that do not finish within 5 s. */
  async close(): Promise<void> {
    for (const ws of this.#join.open) ws.terminate();
    const closing = this.#socks.filter(Boolean).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.open = false; // from here on, closes are expected
          if (s.ws.readyState === WebSocket.CLOSED) return resolve();
          s.ws.once('close', () => resolve());
          s.ws.close(1000, 'bench done');
        }),
    );
    const timedOut = await Promise.race([Promise.all(closing).then(() => false), sleep(5000).then(() => true)]);
    if (timedOut) for (const s of this.#socks) s?.ws.terminate();
  }
}

function shuffled(n: number): Uint16Array {
  const a = Uint16Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}
