import { DurableObject } from 'cloudflare:workers';
import { createLogger, type Logger, parseLogLevel } from '#shared/log';
import { inJurisdiction, ROOM_HEADERS, type RoomResult, type SocketRevocation, showRoomStub } from '#shared/room-rpc';
import { ackError, ackResult, send } from '../room/messages';
import { SocketRateLimiter } from '../room/socket-rate-limiter';
import { readClientFrame } from '../socket/client-frame';
import { actorOf, closeRevokedSockets, identityOf, type SocketIdentity, upgradeRequired } from '../socket/identity';
import { DecisionBatcher } from './decision-batcher';
import type { FanoutDecided, FanoutDecision, FanoutRoomRpc, RoomFanoutRpc } from './protocol';
import { ShardState } from './shard-state';

/** The shard reports a changed socket count to the room at most this often (placement, `viewers`). */
const COUNT_REPORT_MS = 1000;

/** What each hibernating socket remembers (≤ 16 KiB): its fan, and its show and shard for a woken instance. */
interface ShardSocket extends SocketIdentity {
  showId: string;
  shard: number;
}

type RoomStub = DurableObjectStub<FanoutRoomRpc & Rpc.DurableObjectBranded>;

/** A socket's vote or unvote waiting for (or in) a call to the room, with whom to ack. */
interface PendingDecision {
  ws: WebSocket;
  ref: string;
  decision: FanoutDecision;
}

/**
 * A fan-out shard of one show's live room (`idFromName(fanoutShardName(showId, shard))`): holds up to
 * `ROOM_SHARD_CAPACITY` of the room's sockets (hibernatable) so that the room's one thread only decides.
 *
 * - The room sends it every logged message once (`deliver`: one RPC per shard per tick), and the shard sends
 *   it to each of its sockets. `seq` stays gap-free per socket: a message is applied and sent only if it is
 *   the next one; a gap (a delivery lost, or a shard that was evicted) is filled from the room's log first.
 * - Snapshots and `resume` are served from the shard's own copy (fanout/shard-state.ts), so a reconnect storm
 *   costs the room one small `myVotes` read per signed-in socket, not a snapshot (and nothing for anonymous ones).
 * - Votes, unvotes and songs go to the room by RPC; the shard acks when the room answers, which is after the
 *   vote is durable there (the room's output gate holds its answer until the write is).
 */
export class RoomFanout extends DurableObject<Env> implements RoomFanoutRpc {
  readonly #limiter: SocketRateLimiter;
  readonly #log: Logger;
  #showId: string | undefined;
  #shard = -1;
  #state: ShardState | undefined;
  #syncing: Promise<ShardState> | undefined;
  /** Deliveries that had to wait for a sync run one after another, in order. */
  #serial: Promise<void> = Promise.resolve();
  #backlog = 0;
  #socketList: WebSocket[] | undefined;
  /** Sockets waiting for their snapshot (a `myVotes` read is in flight): deliveries skip them meanwhile. */
  readonly #pending = new Set<WebSocket>();
  #reportedCount = -1;
  #reportedAt = 0;
  /** Deliveries received from the room (stats). */
  #deliveries = 0;
  /** Upgrades between their sync and their accepted socket: the copy of the room must not be dropped meanwhile. */
  #joining = 0;
  readonly #decisions = new DecisionBatcher<PendingDecision, FanoutDecided>({
    decide: (batch) => this.#decideBatch(batch),
    answer: (pending, outcome) => this.#answerDecision(pending, outcome),
  });

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#limiter = new SocketRateLimiter(Math.max(1, Number(env.ROOM_SOCKET_MESSAGES_PER_SECOND) || 20));
    this.#log = createLogger(
      { service: 'realtime-fanout', shard: ctx.id.toString() },
      { level: parseLogLevel(env.LOG_LEVEL) },
    );
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  #identify(showId: string, shard: number): void {
    this.#showId = showId;
    this.#shard = shard;
  }

  #room(): RoomStub {
    // A shard lives in its room's jurisdiction (the room and the api place it there), so its own id says where the
    // room is.
    return showRoomStub(
      inJurisdiction(this.env.SHOW_ROOM, this.ctx.id.jurisdiction),
      this.#showId!,
    ) as unknown as RoomStub;
  }

  /** The shard's copy of the room; a fresh instance (first socket, or after eviction) syncs it from the room. */
  #ensureState(): Promise<ShardState> {
    if (this.#state) return Promise.resolve(this.#state);
    this.#syncing ??= (async () => {
      try {
        const synced = await this.#room().fanoutSync(this.#showId!, this.#shard);
        if (!synced.ok) throw new Error(`${synced.error.code}: ${synced.error.message}`);
        this.#state = new ShardState(synced.value);
        return this.#state;
      } finally {
        this.#syncing = undefined;
      }
    })();
    return this.#syncing;
  }

  #sockets(): WebSocket[] {
    this.#socketList ??= this.ctx.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN);
    return this.#socketList;
  }

  // ------------------------------------------------------------------ from the room

  async deliver(showId: string, shard: number, seq: number, body: string): Promise<number> {
    this.#identify(showId, shard);
    this.#deliveries++;
    // Nobody to send it to: no copy is kept either (the room stops delivering once it learns the shard is
    // empty, ShardSet), so the next socket here starts from a fresh sync, never from a stale copy.
    if (this.#idle()) {
      this.#state = undefined;
      return 0;
    }
    const state = this.#state;
    if (this.#backlog === 0 && state && seq <= state.seq + 1) {
      this.#accept(state, seq, body);
      return this.#sockets().length;
    }
    this.#backlog++;
    const run = this.#serial.then(() => this.#deliverAfterSync(seq, body));
    this.#serial = run.then(
      () => {
        this.#backlog--;
      },
      (err: unknown) => {
        this.#backlog--;
        this.#log.warn('delivery failed', { err, seq });
      },
    );
    await run;
    return this.#sockets().length;
  }

  #accept(state: ShardState, seq: number, body: string): void {
    if (seq <= state.seq) return; // already applied (a duplicate delivery)
    state.apply(seq, body);
    this.#broadcast(body, this.#sockets());
  }

  /**
   * A delivery this shard cannot place yet: no state (a fresh or evicted instance whose sockets survived
   * hibernation) or a gap. Syncs from the room and first sends its sockets what they missed from the room's
   * log, assuming they saw everything up to the message before this one (or up to the shard's last one).
   */
  async #deliverAfterSync(seq: number, body: string): Promise<void> {
    const before = this.#state;
    if (before && seq <= before.seq + 1) return this.#accept(before, seq, body);
    const seen = before ? before.seq : seq - 1;
    const targets = this.#sockets().filter((ws) => !this.#pending.has(ws));
    this.#state = undefined;
    const state = await this.#ensureState();
    const missed = state.since(seen);
    // When even the room's log cannot fill the gap, the sockets see a jump in seq and `resume` (a snapshot).
    if (missed) for (const message of missed) this.#broadcast(message, targets);
    if (seq > state.seq) this.#accept(state, seq, body);
  }

  #broadcast(body: string, sockets: WebSocket[]): void {
    for (const ws of sockets) {
      if (this.#pending.size && this.#pending.has(ws)) continue;
      try {
        ws.send(body);
      } catch {
        // closing socket: it resumes when it reconnects
      }
    }
  }

  async closeUserSockets(
    showId: string,
    shard: number,
    revocation: SocketRevocation,
    code: number,
    reason: string,
  ): Promise<number> {
    this.#identify(showId, shard);
    const closed = closeRevokedSockets(this.ctx.getWebSockets(), revocation, code, reason);
    this.#socketsChanged();
    return closed;
  }

  // ------------------------------------------------------------------ WebSocket

  override async fetch(request: Request): Promise<Response> {
    const notUpgrade = upgradeRequired(request);
    if (notUpgrade) return notUpgrade;
    const showId = request.headers.get(ROOM_HEADERS.showId) ?? '';
    const shard = Number(request.headers.get(ROOM_HEADERS.shard));
    if (!showId || !Number.isInteger(shard) || shard < 0) {
      return Response.json(
        { error: { code: 'invalid_message', message: 'A shard socket needs its show and shard.' } },
        { status: 400 },
      );
    }
    this.#identify(showId, shard);
    this.#joining++;
    try {
      return await this.#acceptSocket(request, showId, shard);
    } finally {
      this.#joining--;
    }
  }

  /** No socket, none joining, no sync or backlog in flight. */
  #idle(): boolean {
    return this.#joining === 0 && this.#backlog === 0 && !this.#syncing && this.#sockets().length === 0;
  }

  async #acceptSocket(request: Request, showId: string, shard: number): Promise<Response> {
    const attachment: ShardSocket = { showId, shard, ...identityOf(request) };
    const sinceParam = new URL(request.url).searchParams.get('since');
    const since = sinceParam === null ? undefined : Number(sinceParam);
    let state: ShardState;
    try {
      state = await this.#ensureState();
    } catch (err) {
      this.#log.warn('shard could not sync from its room', { err });
      return Response.json(
        { error: { code: 'unavailable', message: 'The live room is not reachable; try again.' } },
        { status: 503 },
      );
    }
    // Read before the socket exists, so that the snapshot built after it is current when it is sent.
    const myVotes =
      since !== undefined && state.since(since) ? [] : await this.#myVotes(attachment.userId).catch(() => null);
    if (myVotes === null) {
      return Response.json(
        { error: { code: 'unavailable', message: 'The live room is not reachable; try again.' } },
        { status: 503 },
      );
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment(attachment);
    this.#socketList?.push(server);
    const current = this.#state ?? state;
    const missed = since === undefined ? undefined : current.since(since);
    if (missed) for (const body of missed) server.send(body);
    else send(server, current.snapshot(myVotes));
    this.#socketsChanged();
    return new Response(null, { status: 101, webSocket: client });
  }

  async #myVotes(userId: string | null): Promise<string[]> {
    if (!userId) return [];
    const votes = await this.#room().myVotes(this.#showId!, userId);
    if (!votes.ok) throw new Error(votes.error.message);
    return votes.value;
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const message = readClientFrame(ws, raw, this.#limiter);
    if (!message) return;
    if (message.type === 'ping') return send(ws, { type: 'pong', ...(message.id ? { id: message.id } : {}) });
    const attachment = ws.deserializeAttachment() as ShardSocket;
    this.#identify(attachment.showId, attachment.shard);
    if (message.type === 'resume') return this.#resume(ws, attachment, message.since);
    const actor = actorOf(attachment);
    if (!actor) return ackError(ws, message.id, 'unauthenticated', 'Sign in to vote or add songs.');
    const traceparent = message.traceparent ? { traceparent: message.traceparent } : {};
    if (message.type === 'vote') {
      const decision = { type: 'vote', actor, setlistSongId: message.setlistSongId, voteId: message.id } as const;
      return await this.#decisions.push({ ws, ref: message.id, decision: { ...decision, ...traceparent } });
    }
    if (message.type === 'unvote') {
      const decision = { type: 'unvote', actor, setlistSongId: message.setlistSongId } as const;
      return await this.#decisions.push({ ws, ref: message.id, decision: { ...decision, ...traceparent } });
    }
    let result: RoomResult<unknown>;
    try {
      result = await this.#room().addSong(attachment.showId, actor, message.songId, message.traceparent);
    } catch (err) {
      this.#log.warn('room call failed', { err, type: message.type });
      return ackError(ws, message.id, 'unavailable', 'The live room did not answer; send the same message again.');
    }
    ackResult(ws, message.id, result);
  }

  /** Votes and unvotes go to the room in batches (fanout/decision-batcher.ts), answered one ack each. */
  #decideBatch(batch: PendingDecision[]): Promise<FanoutDecided[]> {
    return this.#room()
      .decide(
        this.#showId!,
        batch.map((pending) => pending.decision),
      )
      .then((result) => (result.ok ? result.value : batch.map(() => result)));
  }

  #answerDecision(
    pending: PendingDecision,
    outcome: { ok: true; value: FanoutDecided } | { ok: false; error: unknown },
  ) {
    if (outcome.ok) return ackResult(pending.ws, pending.ref, outcome.value);
    // The room may or may not have decided: the client sends the same id again (votes are idempotent).
    this.#log.warn('room call failed', { err: outcome.error, type: pending.decision.type });
    ackError(pending.ws, pending.ref, 'unavailable', 'The live room did not answer; send the same message again.');
  }

  /** The missed messages from the shard's log, or a snapshot (with the fan's votes, read from the room). */
  async #resume(ws: WebSocket, attachment: ShardSocket, since: number): Promise<void> {
    let state: ShardState;
    try {
      state = await this.#ensureState();
    } catch {
      return ackError(ws, null, 'unavailable', 'The live room did not answer; resume again.');
    }
    const missed = state.since(since);
    if (missed) {
      for (const body of missed) ws.send(body);
      return;
    }
    this.#pending.add(ws);
    try {
      const myVotes = await this.#myVotes(attachment.userId);
      send(ws, (this.#state ?? state).snapshot(myVotes));
    } catch {
      ackError(ws, null, 'unavailable', 'The live room did not answer; resume again.');
    } finally {
      this.#pending.delete(ws);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.#socketList = undefined;
    this.#pending.delete(ws);
    try {
      ws.close(code, reason);
    } catch {
      // already closed by the runtime
    }
    this.#socketLeft();
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.#socketList = undefined;
    this.#pending.delete(ws);
    this.#socketLeft();
  }

  #socketLeft(): void {
    if (this.#idle()) this.#state = undefined;
    this.#socketsChanged();
  }

  /**
   * What the shard holds, for tests and /ops: its sockets, the last `seq` of its copy, deliveries received, and
   * the votes and unvotes it sent its room (`decisions`) in how many calls (`decideCalls`).
   */
  stats(): { sockets: number; seq: number | null; deliveries: number; decisions: number; decideCalls: number } {
    return {
      sockets: this.#sockets().length,
      seq: this.#state?.seq ?? null,
      deliveries: this.#deliveries,
      decisions: this.#decisions.decisions,
      decideCalls: this.#decisions.calls,
    };
  }

  // ------------------------------------------------------------------ socket count for the room

  #socketsChanged(): void {
    const now = Date.now();
    if (now - this.#reportedAt >= COUNT_REPORT_MS) this.#reportCount(now);
    else void this.ctx.storage.setAlarm(this.#reportedAt + COUNT_REPORT_MS);
  }

  #reportCount(now: number): void {
    if (!this.#showId) return;
    const count = this.#sockets().length;
    if (count === this.#reportedCount) return;
    this.#reportedCount = count;
    this.#reportedAt = now;
    this.#room()
      .fanoutCount(this.#showId, this.#shard, count)
      .catch((err: unknown) => {
        this.#reportedCount = -1;
        this.#log.warn('socket count report failed', { err });
      });
  }

  override async alarm(): Promise<void> {
    this.#reportCount(Date.now());
  }
}
