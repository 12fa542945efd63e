/**
 * The load harness: N WebSockets in one room (M of them voters), votes driven at a fixed total rate
 * (open loop: sends follow the clock, never wait for acks, so a slow server cannot slow the offered
 * load down and hide its own latency), and every delivery timed. The same code runs against the real
 * stack and against the bare-ws baseline.
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { type DecodedUpdate, UpdateDecoder } from './client';
import type { ConnectResult, DriveResult, HarnessConfig, HarnessTarget } from './harness-types';
import { Histogram } from './histogram';
import { LatencyTracker } from './latency';

export type { ConnectResult, DriveResult, HarnessConfig, HarnessTarget } from './harness-types';

interface SnapshotMsg {
  seq: number;
  songs: { setlistSongId: string; votes: number }[];
}

interface Sock {
  ws: WebSocket;
  index: number;
  token: string | undefined;
  open: boolean;
  seq: number;
}

const LOOP_RESOLUTION_MS = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Harness {
  readonly #socks: Sock[] = [];
  readonly #songIndex = new Map<string, number>();
  #tracker: LatencyTracker | undefined;
  #decoder: UpdateDecoder | undefined;
  #driving = false;
  #windowEnd = Infinity;
  // drive state
  readonly #voteIndex = new Map<string, number>();
  #voteSong = new Int32Array(0);
  #voteSender = new Int32Array(0);
  #voteSentAt = new Float64Array(0);
  #voteState = new Uint8Array(0); // 0 none, 1 sent, 2 ok, 3 failed
  #finalCounts = new Int32Array(0);
  #acksOk = 0;
  #lastOkAckAt = 0;
  readonly #acksFailed: Record<string, number> = {};
  #updates = 0;
  #updatesInWindow = 0;
  #seqGaps = 0;
  readonly #closes: Record<string, number> = {};
  readonly #ackLatency = new Histogram();
  /** Per delivered update: arrival here minus its first arrival at any socket. */
  readonly #spread = new Histogram();
  #resolved = 0;
  #resolvedAtDriveEnd = 0;
  #votesSent = 0;
  #distinctUpdates = 0;
  #changeEntries = 0;
  #connectFailures = 0;

  constructor(
    private readonly target: HarnessTarget,
    private readonly cfg: HarnessConfig,
  ) {}

  // ---------------------------------------------------------------- connecting

  async connect(): Promise<ConnectResult> {
    const { sockets, voters, rampBatch } = this.cfg;
    if (this.target.voterTokens.length < voters)
      throw new Error(`${this.target.name}: ${voters} voters needed, ${this.target.voterTokens.length} tokens`);
    const failures: Record<string, number> = {};
    const snapshotMs = new Histogram();
    const start = performance.now();
    // Socket 0 alone first: its snapshot defines the song list the tracker is sized for.
    const batches: number[][] = [[0]];
    for (let i = 1; i < sockets; i += rampBatch)
      batches.push(Array.from({ length: Math.min(rampBatch, sockets - i) }, (_, j) => i + j));
    let ok = 0;
    for (const batch of batches) {
      const results = await Promise.all(
        batch.map((i) => this.#open(i, i < voters ? this.target.voterTokens[i] : undefined)),
      );
      for (const r of results) {
        if (typeof r === 'number') {
          ok++;
          snapshotMs.record(r);
        } else failures[r.error] = (failures[r.error] ?? 0) + 1;
      }
      if (!this.#tracker)
        throw new Error(
          `${this.target.name}: the first socket did not get a snapshot (${Object.keys(failures).join(', ')})`,
        );
    }
    const wallS = (performance.now() - start) / 1000;
    this.#connectFailures = sockets - ok;
    this.cfg.log(
      `${this.target.name}: ${ok}/${sockets} sockets connected in ${wallS.toFixed(1)} s${ok < sockets ? ` (failures: ${JSON.stringify(failures)})` : ''}`,
    );
    return {
      attempted: sockets,
      ok,
      failed: sockets - ok,
      failures,
      snapshotMs: snapshotMs.summary(),
      wallS,
      songs: this.#songIndex.size,
    };
  }

  /** Opens socket i; resolves with ms until its snapshot, or the failure reason. */
  #open(index: number, token: string | undefined): Promise<number | { error: string }> {
    const t0 = performance.now();
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: number | { error: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      // No permessage-deflate: the harness would spend its (shared) CPU inflating 40,000 messages/s.
      // skipUTF8Validation: the room's JSON is ours to trust, and validating ~100 MB/s of text would be
      // harness CPU taken from the server.
      const ws = new WebSocket(this.target.wsUrl(token), {
        perMessageDeflate: false,
        skipUTF8Validation: true,
        handshakeTimeout: 30_000,
      });
      const sock: Sock = { ws, index, token, open: false, seq: -1 };
      this.#socks[index] = sock;
      const timer = setTimeout(() => {
        ws.terminate();
        done({ error: 'timeout waiting for snapshot' });
      }, 30_000);
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
        const now = performance.now();
        if (!sock.open) {
          // The first message must be the snapshot.
          const msg = JSON.parse(data.toString('utf8')) as SnapshotMsg & { type: string };
          if (msg.type !== 'snapshot') return done({ error: `first message was ${msg.type}` });
          this.#applySnapshot(sock, msg);
          sock.open = true;
          done(now - t0);
          return;
        }
        this.#onMessage(sock, data, now);
      });
    });
  }

  #applySnapshot(sock: Sock, msg: SnapshotMsg): void {
    if (!this.#tracker) {
      msg.songs.forEach((s, i) => this.#songIndex.set(s.setlistSongId, i));
      const preexisting = Math.max(0, ...msg.songs.map((s) => s.votes));
      this.#tracker = new LatencyTracker(this.cfg.sockets, msg.songs.length, preexisting + this.cfg.voters);
      this.#decoder = new UpdateDecoder(this.#songIndex);
      this.#finalCounts = Int32Array.from(msg.songs.map((s) => s.votes));
    }
    for (const s of msg.songs) {
      const idx = this.#songIndex.get(s.setlistSongId);
      if (idx !== undefined) this.#tracker.baseline(sock.index, idx, s.votes);
    }
    sock.seq = msg.seq;
  }

  // ---------------------------------------------------------------- receiving

  #onMessage(sock: Sock, data: Buffer, now: number): void {
    const decoder = this.#decoder!;
    const hit = decoder.cached(data);
    if (hit) return this.#onUpdate(sock, hit, now);
    const msg = decoder.parse(data) as {
      type: string;
      seq?: number;
      ref?: string | null;
      ok?: boolean;
      result?: { votes?: number };
      error?: { code: string };
    };
    if (msg.type === 'update') {
      const update = decoder.remember(msg as Parameters<UpdateDecoder['remember']>[0], data.length, now);
      if (this.#driving) {
        this.#distinctUpdates++;
        this.#changeEntries += update.changes.length / 2;
      }
      return this.#onUpdate(sock, update, now);
    }
    if (msg.type === 'ack') return this.#onAck(msg, now);
    if (msg.type === 'status' && typeof msg.seq === 'number') sock.seq = msg.seq;
    if (msg.type === 'snapshot') this.#applySnapshot(sock, msg as unknown as SnapshotMsg);
  }

  #onUpdate(sock: Sock, update: DecodedUpdate, now: number): void {
    if (update.seq !== sock.seq + 1) this.#seqGaps++;
    sock.seq = update.seq;
    this.#updates++;
    if (now <= this.#windowEnd && this.#driving) {
      this.#updatesInWindow++;
      this.#spread.record(now - update.firstAt);
    }
    const tracker = this.#tracker!;
    const c = update.changes;
    for (let j = 0; j < c.length; j += 2) tracker.seen(sock.index, c[j]!, c[j + 1]!, now);
  }

  #onAck(
    msg: { ref?: string | null; ok?: boolean; result?: { votes?: number }; error?: { code: string } },
    now: number,
  ): void {
    const v = msg.ref ? this.#voteIndex.get(msg.ref) : undefined;
    if (v === undefined || this.#voteState[v] !== 1) {
      const key = `unmatched:${msg.error?.code ?? 'ok'}`;
      this.#acksFailed[key] = (this.#acksFailed[key] ?? 0) + 1;
      return;
    }
    this.#resolved++;
    if (msg.ok && typeof msg.result?.votes === 'number') {
      this.#voteState[v] = 2;
      this.#acksOk++;
      this.#lastOkAckAt = now;
      const sentAt = this.#voteSentAt[v]!;
      this.#ackLatency.record(now - sentAt);
      const song = this.#voteSong[v]!;
      const count = msg.result.votes;
      if (count > this.#finalCounts[song]!) this.#finalCounts[song] = count;
      this.#tracker!.acked(song, count, sentAt, this.#voteSender[v]!);
    } else {
      this.#voteState[v] = 3;
      const code = msg.error?.code ?? 'no_result';
      this.#acksFailed[code] = (this.#acksFailed[code] ?? 0) + 1;
    }
  }

  // ---------------------------------------------------------------- driving

  async drive(): Promise<DriveResult> {
    const { rate, durationS, voters } = this.cfg;
    const songs = this.#songIndex.size;
    const total = Math.round(rate * durationS);
    this.#voteSong = new Int32Array(total);
    this.#voteSender = new Int32Array(total);
    this.#voteSentAt = new Float64Array(total);
    this.#voteState = new Uint8Array(total);
    // Each voter votes for its songs in its own random order: one vote per voter per song, and the
    // votes of one tick spread over many songs, as real fans' would.
    const order = Array.from({ length: voters }, () => shuffled(songs));
    const next = new Int32Array(voters);
    const sendLag = new Histogram();
    // The histogram records whole timer intervals (resolution + delay): the resolution is subtracted below.
    const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    let sent = 0;
    let skipped = 0;

    this.cfg.onDriveStart?.();
    loop.enable();
    const start = performance.now();
    this.#windowEnd = start + durationS * 1000;
    this.#driving = true;
    const interval = 1000 / rate;
    await new Promise<void>((resolve) => {
      // Open loop: every ms, send whatever the clock says is due. setInterval(1) fires ~every 1 ms.
      const timer = setInterval(() => {
        const now = performance.now();
        const due = Math.min(total, Math.floor((now - start) / interval) + 1);
        for (; sent < due; sent++) {
          const voter = sent % voters;
          const sock = this.#socks[voter];
          if (!sock?.open || next[voter]! >= songs) {
            skipped++;
            continue;
          }
          const song = order[voter]![next[voter]!++]!;
          const id = randomUUID();
          this.#voteIndex.set(id, sent);
          this.#voteSong[sent] = song;
          this.#voteSender[sent] = voter;
          this.#voteState[sent] = 1;
          const t = performance.now();
          this.#voteSentAt[sent] = t;
          sendLag.record(t - (start + sent * interval));
          sock.ws.send(`{"type":"vote","id":"${id}","setlistSongId":"${this.#songIds()[song]}"}`);
        }
        if (sent >= total) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
    const sendEnd = performance.now();
    const votesSent = sent - skipped;
    this.#votesSent = votesSent;

    // Every vote answered (or 15 s), then every socket caught up with every acked count (or 10 s); acks
    // that come later still count (see live()), but the latency figures are taken here.
    const ackDeadline = performance.now() + 15_000;
    while (this.#resolved < votesSent && performance.now() < ackDeadline) await sleep(20);
    const settleStart = performance.now();
    const settleDeadline = settleStart + 10_000;
    const isOpen = (s: number) => this.#socks[s]?.open === true;
    while (this.#tracker!.missingDeliveries(this.#finalCounts, isOpen) > 0 && performance.now() < settleDeadline)
      await sleep(50);
    const settleMs = performance.now() - settleStart;
    this.#resolvedAtDriveEnd = this.#resolved;
    this.#driving = false;
    loop.disable();
    this.cfg.onDriveEnd?.();

    const windowS = Math.min(durationS, (sendEnd - start) / 1000);
    const connected = this.#socks.filter(Boolean).length - this.#connectFailures;
    const ms = (ns: number) => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
    return {
      targetRate: rate,
      durationS,
      votesPlanned: total,
      votesSent,
      votesSkipped: skipped,
      acksOk: this.#acksOk,
      acksFailed: { ...this.#acksFailed },
      unanswered: votesSent - this.#resolved,
      acceptedPerS: this.#acksOk / Math.max(0.001, (this.#lastOkAckAt - start) / 1000),
      lastAckAfterS: (this.#lastOkAckAt - start) / 1000,
      updatesDelivered: this.#updates,
      distinctUpdates: this.#distinctUpdates,
      changesPerUpdate: this.#changeEntries / Math.max(1, this.#distinctUpdates),
      votesPerUpdate: this.#acksOk / Math.max(1, this.#distinctUpdates),
      updatesPerS: this.#updatesInWindow / windowS,
      updatesPerSocketPerS: this.#updatesInWindow / windowS / Math.max(1, connected),
      seqGaps: this.#seqGaps,
      unexpectedCloses: { ...this.#closes },
      latency: this.#tracker!.histogram.summary(),
      firstArrival: this.#tracker!.firstArrival.summary(),
      broadcastSpread: this.#spread.summary(),
      ackLatency: this.#ackLatency.summary(),
      sendLag: sendLag.summary(),
      eventLoopDelay: {
        meanMs: ms(loop.mean),
        p50Ms: ms(loop.percentile(50)),
        p99Ms: ms(loop.percentile(99)),
        maxMs: ms(loop.max),
      },
      settleMs,
      missingDeliveries: this.#tracker!.missingDeliveries(this.#finalCounts, isOpen),
      unclaimedCounts: this.#tracker!.unclaimedCounts(),
      jsonParses: this.#decoder!.parses,
      sumOfAckedCounts: this.#finalCounts.reduce((a, b) => a + b, 0),
    };
  }

  /**
   * Ack counts right now. Sockets stay open after `drive()`, so acks that arrive late (a room with a
   * backlog answers minutes later) are still counted, and the consistency check uses these.
   */
  live(): { acksOk: number; unanswered: number; sumOfAckedCounts: number; lateAcks: number } {
    return {
      acksOk: this.#acksOk,
      unanswered: this.#votesSent - this.#resolved,
      sumOfAckedCounts: this.#finalCounts.reduce((a, b) => a + b, 0),
      lateAcks: this.#resolved - this.#resolvedAtDriveEnd,
    };
  }

  #songIdList: string[] | undefined;
  #songIds(): string[] {
    this.#songIdList ??= [...this.#songIndex.keys()];
    return this.#songIdList;
  }

  /** Closes every socket (normal closure), terminating those that do not finish within 5 s. */
  async close(): Promise<void> {
    const closing = this.#socks.filter(Boolean).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.open = false; // from here on, closes are expected
          if (s.ws.readyState === WebSocket.CLOSED) return resolve();
          s.ws.once('close', () => resolve());
          s.ws.close(1000, 'bench done');
        }),
    );
    const all = Promise.all(closing);
    const timedOut = await Promise.race([all.then(() => false), sleep(5000).then(() => true)]);
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
