import { DurableObject } from 'cloudflare:workers';
import { openHttpSql } from '#shared/db/client';
import { createLogger, type Logger, parseLogLevel } from '#shared/log';
import {
  type ActualSetlistUpdate,
  inJurisdiction,
  ROOM_HEADERS,
  type RoomActor,
  type RoomRecheck,
  type RoomResult,
  type RoomSettlement,
  SESSION_REVOKED_CLOSE_CODE,
  type SetlistView,
  type SettleRequest,
  type ShowMetaUpdate,
  type ShowRoomRpc,
  type SocketRevocation,
  type VoteResult,
} from '#shared/room-rpc';
import type { EventTrace } from '#shared/schemas/events';
import type { RoomPlayed, RoomSong, ServerSnapshot } from '#shared/schemas/room';
import type { PlayedEntry } from '#shared/schemas/scoring';
import type { ShowStatus } from '#shared/schemas/shows';
import { settleWithin } from '#shared/settle-within';
import { childOf, formatTraceparent, parseSampleRate, parseTraceparent } from '#shared/trace/context';
import { fanoutConfig } from './fanout/config';
import type { FanoutBase, FanoutDecided, FanoutDecision, FanoutRoomRpc, FanoutSync } from './fanout/protocol';
import { ShardSet } from './fanout/shard-set';
import { type DurabilityConfig, durabilityConfig } from './room/durability-config';
import { loadShowFromPostgres } from './room/load-from-postgres';
import { ackError, ackResult, fail, ok, send } from './room/messages';
import { playedChanges } from './room/played-changes';
import { PresenceReporter, presenceEvent, VoteUpdateLatency } from './room/presence';
import { injectedQueueFault, withInjectedFault } from './room/queue-fault-hook';
import { confirmSent, reconcileCounts } from './room/reconcile';
import { SocketRateLimiter } from './room/socket-rate-limiter';
import { RoomStore, type ShowMeta } from './room/store';
import { roomTickMs } from './room/tick';
import { RESUME_REPLAY_MAX, readClientFrame } from './socket/client-frame';
import { actorOf, closeRevokedSockets, identityOf, type SocketIdentity, upgradeRequired } from './socket/identity';

export { MAX_CLIENT_MESSAGE_BYTES } from './socket/client-frame';

/** How many broadcast updates are kept for `resume`; a client further behind gets a fresh snapshot. */
const UPDATE_LOG_SIZE = 1000;
/** A change of the viewer count alone is broadcast at most this often. */
const VIEWER_COUNT_INTERVAL_MS = 1000;
/** Queue `sendBatch` accepts at most 100 messages. */
const OUTBOX_BATCH = 100;
/** An operator's recheck resends a sent event Postgres lacks once it was sent this long ago (still in flight before). */
const RECHECK_RESEND_AFTER_MS = 10_000;
/** Batches per drain, so one drain cannot run for long while the queue is slow. */
const OUTBOX_BATCHES_PER_DRAIN = 20;
/** While finalisation waits (settleVotes), the room looks at Postgres again this often. */
const SETTLE_POLL_MS = 100;

/** Waits for `promise` or `ms`, whichever comes first (the promise is not cancelled). */
async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms))))]);
  if (timer !== null) clearTimeout(timer);
}

/** What each hibernating socket remembers about its fan; survives eviction (≤ 16 KiB). */
type SocketAttachment = SocketIdentity;

/**
 * The live vote room of one show (`idFromName(showId)`).
 *
 * - Decisions are race-free by construction: a Durable Object runs one event at a time, and each
 *   decision reads and writes its SQLite state synchronously, with no `await` between check and write.
 * - A vote is written together with its outbox event in one implicit transaction; the ack is sent after
 *   that write, and the output gate holds it until the write is durable. An acked vote is never lost.
 * - Fan-out is coalesced: changes are broadcast at most once per tick (`ROOM_TICK_MS`), driven by
 *   alarms rather than timers, so an idle room can hibernate with thousands of sockets attached.
 * - The outbox is drained to the vote-events queue in `sendBatch`es, started by the alarm but not awaited
 *   by it (the alarm also broadcasts, and a slow queue must not hold the next update back); if the queue
 *   refuses or does not answer, the events stay in the outbox and the alarm retries with backoff.
 */
export class ShowRoom extends DurableObject<Env> implements ShowRoomRpc, FanoutRoomRpc {
  readonly #store: RoomStore;
  readonly #limiter: SocketRateLimiter;
  readonly #tickMs: number;
  readonly #tickUsPerSocket: number;
  readonly #log: Logger;
  readonly #sampleRate: number;
  #loading: Promise<boolean> | undefined;
  #lastFlushAt = 0;
  /** The alarm time this instance set; null after eviction, when `ensureAlarm` sets it again. */
  #alarmAt: number | null = null;
  #drainFailures = 0;
  /** A drain is running; the alarm starts no second one beside it. */
  #draining = false;
  /** The running drain, for a finalisation that waits for it (settleVotes). */
  #drainRun: Promise<void> | undefined;
  /** A presence report is running (same reason). */
  #reporting = false;
  #viewersBroadcast = -1;
  #viewersBroadcastAt = 0;
  /**
   * The open sockets, kept between connects and closes. `ctx.getWebSockets()` builds a fresh array of every
   * socket: called once per vote to size the tick, it and a `readyState` check per socket per alarm were the
   * room's two largest costs in a large room (bench/room/README.md, "Where the time goes"). The set only
   * changes when a socket is accepted or closes, so it is built (and filtered) once until then; a socket that
   * starts closing meanwhile is skipped by the send that fails on it.
   */
  #socketList: WebSocket[] | undefined;
  readonly #presence: PresenceReporter;
  readonly #durability: DurabilityConfig;
  /** A reconciliation with Postgres is running (room/reconcile.ts); the next is due at #reconcileAt. */
  #reconciling = false;
  #reconcileAt = 0;
  #countCheckAt = 0;
  /** The event sequence the last count check saw: a room with nothing new is not checked again. */
  #countCheckedSeq = -1;
  /** An operator asked for a recheck that could not run yet: the next count check compares every vote row. */
  #recheckPending = false;
  /** This instance has looked for events left from before it (eviction, a crash). */
  #woken = false;
  /** The fan-out shards holding the sockets of a big room (fanout/, docs/realtime.md "The fan-out tier"). */
  readonly #shards: ShardSet;
  /** A flush due now runs from this timer rather than an alarm: the first vote of a quiet spell goes out at once. */
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #voteUpdate = new VoteUpdateLatency();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new RoomStore(ctx.storage.sql, ctx.storage);
    this.#tickMs = Math.max(5, Number(env.ROOM_TICK_MS) || 50);
    this.#tickUsPerSocket = Math.max(0, Number(env.ROOM_TICK_US_PER_SOCKET ?? 45) || 0);
    this.#limiter = new SocketRateLimiter(Math.max(1, Number(env.ROOM_SOCKET_MESSAGES_PER_SECOND) || 20));
    this.#presence = new PresenceReporter(Math.max(1, Number(env.ROOM_PRESENCE_SECONDS) || 30) * 1000);
    this.#durability = durabilityConfig(env);
    this.#sampleRate = parseSampleRate(env.TRACE_SAMPLE_RATE);
    this.#log = createLogger({ service: 'realtime', room: ctx.id.toString() }, { level: parseLogLevel(env.LOG_LEVEL) });
    // The room's shards live in its jurisdiction (its id says which), where the api's live route also reaches them.
    const fanout = inJurisdiction(env.ROOM_FANOUT, ctx.id.jurisdiction);
    this.#shards = new ShardSet(fanoutConfig(env), fanout, ctx.storage.sql, this.#log);
    // Keep-alive pings are answered by the runtime itself, without waking a hibernated room.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  // ------------------------------------------------------------------ loading

  /**
   * Makes sure the room holds its show. Concurrent first requests share one load. Returns false when the
   * show does not exist (nothing is stored then, so a later-created show still loads).
   */
  async #ensureLoaded(showId: string): Promise<boolean> {
    if (!this.#woken && this.#store.isLoaded()) {
      // Events left by an instance that died (evicted, or its process killed) go out and get confirmed again.
      this.#woken = true;
      if (this.#store.outboxSize() + this.#store.unconfirmedCount() > 0) this.#ensureAlarm(Date.now());
    }
    if (this.#store.isLoaded()) return this.#store.meta().showId === showId;
    this.#loading ??= (async () => {
      try {
        const show = await loadShowFromPostgres(openHttpSql(this.env), showId);
        if (!show) return false;
        if (!this.#store.isLoaded()) this.#store.load(show);
        this.#log.info('room loaded from postgres', { showId, songs: show.setlist.length, votes: show.votes.length });
        return true;
      } finally {
        this.#loading = undefined;
      }
    })();
    return this.#loading;
  }

  // ------------------------------------------------------------------ rules

  #votingClosedReason(meta: ShowMeta, now = Date.now()): string | undefined {
    if (meta.locked) return 'A moderator has locked this room.';
    if (meta.status !== 'upcoming') return `Voting is closed: the show is ${meta.status}.`;
    if (now < meta.votingOpensAt) return `Voting opens at ${new Date(meta.votingOpensAt).toISOString()}.`;
    if (now >= meta.votingClosesAt) return 'Voting for this show has closed.';
    return undefined;
  }

  /**
   * The trace of one decision: a child of the caller's `traceparent` (the api's RPC span, or the one a client put
   * in its WebSocket message), else a new trace sampled at TRACE_SAMPLE_RATE. Stamped on the events the decision
   * writes, so the outbox, the queue and the consumer stay in the same trace.
   */
  #traceOf(traceparent: string | undefined): EventTrace {
    const parent = parseTraceparent(traceparent);
    const trace = childOf(parent, this.#sampleRate);
    return {
      traceId: trace.traceId,
      traceparent: formatTraceparent(trace),
      ...(parent ? { parentSpanId: parent.spanId } : {}),
    };
  }

  #decideVote(actor: RoomActor, setlistSongId: string, voteId: string, trace?: EventTrace): RoomResult<VoteResult> {
    const { prior, song, activeVoteId } = this.#store.voteContext(voteId, actor.userId, setlistSongId);
    if (prior) {
      if (prior.userId !== actor.userId || prior.setlistSongId !== setlistSongId) {
        return fail('vote_id_conflict', 'This vote id was already used for another vote; use a new id per vote.');
      }
      return ok({ setlistSongId, votes: prior.resultVotes, voteId, repeated: true });
    }
    const meta = this.#store.meta();
    const closed = this.#votingClosedReason(meta);
    if (closed) return fail('voting_closed', closed);
    if (!song) return fail('setlist_song_not_found', "That song is not on this show's setlist.");
    if (activeVoteId) return fail('already_voted', 'You have already voted for this song.');
    const votes = this.#store.castVote({
      showId: meta.showId,
      userId: actor.userId,
      setlistSongId,
      songId: song.songId,
      voteId,
      ...(trace ? { trace } : {}),
      ...(actor.networkId ? { networkId: actor.networkId } : {}),
    });
    this.#voteUpdate.voted(Date.now());
    this.#changed();
    return ok({ setlistSongId, votes, voteId, repeated: false });
  }

  #decideUnvote(
    actor: RoomActor,
    setlistSongId: string,
    trace?: EventTrace,
  ): RoomResult<{ setlistSongId: string; votes: number }> {
    const meta = this.#store.meta();
    const closed = this.#votingClosedReason(meta);
    if (closed) return fail('voting_closed', closed);
    const song = this.#store.setlistSong(setlistSongId);
    if (!song) return fail('setlist_song_not_found', "That song is not on this show's setlist.");
    const voteId = this.#store.activeVote(actor.userId, setlistSongId);
    // Taking back a vote that is not there is a no-op, so a retried DELETE is harmless.
    if (!voteId) return ok({ setlistSongId, votes: song.votes });
    const votes = this.#store.retractVote({
      showId: meta.showId,
      userId: actor.userId,
      setlistSongId,
      songId: song.songId,
      voteId,
      ...(trace ? { trace } : {}),
    });
    this.#changed();
    return ok({ setlistSongId, votes });
  }

  async #decideAddSong(
    actor: RoomActor,
    songId: string,
    trace?: EventTrace,
  ): Promise<RoomResult<RoomSong & { repeated: boolean }>> {
    const existing = this.#store.setlistSongBySong(songId);
    if (existing) return ok({ ...existing, repeated: true });
    let song = this.#store.catalogueSong(songId);
    if (!song) {
      // Not in the cached catalogue: the song may be new, of another artist, or not exist at all.
      const meta = this.#store.meta();
      const rows = (await openHttpSql(this.env).query(
        'select id, title, artist_id from songs where id = $1 and removed_at is null',
        [songId],
      )) as { id: string; title: string; artist_id: string }[];
      const row = rows[0];
      // A song an admin removed from the catalogue is not added anew (where it is on the setlist already, it stays).
      if (!row) return fail('song_not_found', "No song with that id is in the artist's catalogue.");
      if (row.artist_id !== meta.artistId)
        return fail('wrong_artist', "That song is by another artist than this show's.");
      this.#store.addCatalogueSong(row.id, row.title);
      song = { songId: row.id, title: row.title };
    }
    // Decide again after the await: another fan may have added the same song meanwhile.
    const added = this.#store.setlistSongBySong(songId);
    if (added) return ok({ ...added, repeated: true });
    const meta = this.#store.meta();
    const closed = this.#votingClosedReason(meta);
    if (closed) return fail('voting_closed', closed);
    const created = this.#store.addSong({
      showId: meta.showId,
      userId: actor.userId,
      songId,
      title: song.title,
      ...(trace ? { trace } : {}),
    });
    this.#changed();
    return ok({ ...created, repeated: false });
  }

  // ------------------------------------------------------------------ RPC (from the api worker)

  async setlist(showId: string, userId: string | null): Promise<RoomResult<SetlistView>> {
    if (!(await this.#ensureLoaded(showId))) return fail('not_found', 'No show with that id exists.');
    const meta = this.#store.meta();
    return ok({
      showId,
      seq: meta.updateSeq,
      status: meta.status,
      locked: meta.locked,
      votingOpen: !this.#votingClosedReason(meta),
      songs: this.#store.setlist(),
      myVotes: userId ? this.#store.myVotes(userId) : [],
    });
  }

  async vote(
    showId: string,
    actor: RoomActor,
    setlistSongId: string,
    voteId: string,
    traceparent?: string,
  ): Promise<RoomResult<VoteResult>> {
    if (!(await this.#ensureLoaded(showId))) return fail('not_found', 'No show with that id exists.');
    return this.#decideVote(actor, setlistSongId, voteId, this.#traceOf(traceparent));
  }

  async unvote(
    showId: string,
    actor: RoomActor,
    setlistSongId: string,
    traceparent?: string,
  ): Promise<RoomResult<{ setlistSongId: string; votes: number }>> {
    if (!(await this.#ensureLoaded(showId))) return fail('not_found', 'No show with that id exists.');
    return this.#decideUnvote(actor, setlistSongId, this.#traceOf(traceparent));
  }

  async addSong(
    showId: string,
    actor: RoomActor,
    songId: string,
    traceparent?: string,
  ): Promise<RoomResult<RoomSong & { repeated: boolean }>> {
    if (!(await this.#ensureLoaded(showId))) return fail('not_found', 'No show with that id exists.');
    return this.#decideAddSong(actor, songId, this.#traceOf(traceparent));
  }

  async setLocked(showId: string, actor: RoomActor, locked: boolean): Promise<RoomResult<{ locked: boolean }>> {
    if (actor.role !== 'moderator' && actor.role !== 'admin')
      return fail('forbidden', 'Only moderators can lock a room.');
    if (!(await this.#ensureLoaded(showId))) return fail('not_found', 'No show with that id exists.');
    this.#store.setLocked(locked);
    this.#broadcastStatus();
    return ok({ locked });
  }

  /**
   * The show was edited in Postgres (status, voting window, lock): a room that is already loaded decides votes
   * with what it loaded, so the edit must reach it. A room that is not loaded yet is left alone: it loads the
   * edited show when it is first used.
   */
  async updateShowMeta(showId: string, update: ShowMetaUpdate): Promise<RoomResult<{ updated: boolean }>> {
    if (!this.#store.isLoaded()) return ok({ updated: false });
    if (this.#store.meta().showId !== showId) return fail('not_found', 'No show with that id exists.');
    const before = this.#store.meta();
    if (update.status !== undefined) this.#store.setStatus(update.status);
    if (update.locked !== undefined) this.#store.setLocked(update.locked);
    if (update.votingOpensAt !== undefined || update.votingClosesAt !== undefined)
      this.#store.setVotingWindow(
        update.votingOpensAt !== undefined ? Date.parse(update.votingOpensAt) : before.votingOpensAt,
        update.votingClosesAt !== undefined ? Date.parse(update.votingClosesAt) : before.votingClosesAt,
      );
    const after = this.#store.meta();
    const changed =
      after.status !== before.status ||
      after.locked !== before.locked ||
      !this.#votingClosedReason(after) !== !this.#votingClosedReason(before);
    if (changed) this.#broadcastStatus();
    return ok({ updated: true });
  }

  /**
   * Finalisation is about to score the show from the votes Postgres holds (src/shared/scoring/finalize.ts). The
   * room takes the show's status first (it has started: voting closes and the sockets are told), so no new event
   * arrives meanwhile; then it sends its outbox and confirms it against Postgres, round after round, until
   * Postgres holds every event it acknowledged or `timeoutMs` has passed. A room with nothing pending answers at
   * once; a room that is not loaded has acknowledged nothing and is not loaded for this.
   */
  async settleVotes(showId: string, request: SettleRequest): Promise<RoomResult<RoomSettlement>> {
    if (!this.#store.isLoaded()) return ok({ settled: true, pending: 0 });
    if (this.#store.meta().showId !== showId) return fail('not_found', 'No show with that id exists.');
    if (request.status !== this.#store.meta().status) {
      this.#store.setStatus(request.status);
      this.#broadcastStatus();
    }
    const deadline = Date.now() + Math.max(0, request.timeoutMs);
    for (;;) {
      const pending = this.#store.outboxSize() + this.#store.unconfirmedCount();
      if (!pending) return ok({ settled: true, pending: 0 });
      if (Date.now() >= deadline) {
        this.#log.warn('acked events not confirmed in postgres before finalisation gave up waiting', {
          showId,
          pending,
          timeoutMs: request.timeoutMs,
        });
        return ok({ settled: false, pending });
      }
      await this.#settleRound(deadline);
    }
  }

  /** One round of settleVotes: send what is unsent, look up what was sent, pause until the next round. */
  async #settleRound(deadline: number): Promise<void> {
    const started = Date.now();
    if (this.#store.outboxSize() > 0) {
      this.#drainInBackground();
      if (this.#drainRun) await waitAtMost(this.#drainRun, deadline - Date.now());
    }
    // One check at a time: the background reconciliation may be running the same lookup right now.
    if (this.#store.unconfirmedCount() > 0 && !this.#reconciling && Date.now() < deadline) {
      this.#reconciling = true;
      try {
        const config = {
          batchSize: 1000,
          maxBatches: 50,
          resendAfterMs: this.#durability.settleResendMs,
          resendBackoff: false,
        };
        await confirmSent(openHttpSql(this.env), this.#store, config, this.#log);
      } catch (err) {
        this.#log.warn('confirming acked events before finalisation failed; trying again', { err });
      } finally {
        this.#reconciling = false;
      }
    }
    if (this.#store.outboxSize() + this.#store.unconfirmedCount() === 0) return;
    const pause = Math.min(SETTLE_POLL_MS - (Date.now() - started), deadline - Date.now());
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
  }

  async setStatus(showId: string, status: ShowStatus): Promise<RoomResult<{ status: ShowStatus }>> {
    if (!(await this.#ensureLoaded(showId))) return fail('not_found', 'No show with that id exists.');
    this.#store.setStatus(status);
    this.#broadcastStatus();
    return ok({ status });
  }

  /**
   * The actual setlist changed in Postgres (the system of record for it): take the newer revision, and tell
   * every socket what changed — one logged message per change, so `resume` replays them like any update.
   */
  async syncActualSetlist(
    showId: string,
    update: ActualSetlistUpdate,
  ): Promise<RoomResult<{ revision: number; played: RoomPlayed[] }>> {
    if (!(await this.#ensureLoaded(showId))) return fail('not_found', 'No show with that id exists.');
    const applied = this.#store.playedRevision();
    if (update.revision < applied) return ok({ revision: applied, played: this.#played() });
    // The status first: the show goes live, then its first song is played.
    const status = update.result ? 'completed' : update.status;
    if (status !== this.#store.meta().status) {
      this.#store.setStatus(status);
      this.#broadcastStatus();
    }
    if (update.revision > applied) {
      const changes = playedChanges(this.#store.played(), update.songs);
      this.#store.replacePlayed(update.songs, update.revision);
      for (const change of changes) {
        const entry = change.type === 'played' ? this.#withSetlistSong(change.entry) : change.entry;
        this.#broadcastLogged({ type: change.type, seq: this.#store.nextUpdateSeq(), ...entry });
      }
    }
    if (update.result && JSON.stringify(update.result) !== JSON.stringify(this.#store.result())) {
      this.#store.setResult(update.result);
      this.#broadcastLogged({ type: 'result', seq: this.#store.nextUpdateSeq(), ...update.result });
    }
    return ok({ revision: this.#store.playedRevision(), played: this.#played() });
  }

  #withSetlistSong(entry: PlayedEntry): RoomPlayed {
    return {
      ...entry,
      setlistSongId: entry.songId ? (this.#store.setlistSongBySong(entry.songId)?.setlistSongId ?? null) : null,
    };
  }

  #played(): RoomPlayed[] {
    return this.#store.played().map((entry) => this.#withSetlistSong(entry));
  }

  /**
   * A moderator discounted (or restored) votes flagged as anomalous (docs/analytics.md): recount and broadcast.
   */
  async setDiscounted(
    showId: string,
    voteIds: string[],
    discounted: boolean,
  ): Promise<RoomResult<{ changed: { setlistSongId: string; votes: number }[] }>> {
    if (!(await this.#ensureLoaded(showId))) return fail('not_found', 'No show with that id exists.');
    const changed = this.#store.setDiscounted(voteIds, discounted);
    if (changed.length) this.#changed();
    return ok({ changed });
  }

  /**
   * Revoked sessions (log-out, log-out everywhere, password change) or a deleted account: close their sockets
   * here, before answering, so no vote of theirs is decided after the api has answered its caller. Never loads
   * the room from Postgres: a room that is not loaded has no sockets and keeps nothing about anyone.
   */
  async revokeSockets(showId: string, revocation: SocketRevocation): Promise<RoomResult<{ closed: number }>> {
    if (this.#store.isLoaded() && this.#store.meta().showId !== showId)
      return fail('not_found', 'No show with that id exists.');
    const onShards = await this.#shards.closeUserSockets(
      showId,
      revocation,
      SESSION_REVOKED_CLOSE_CODE,
      'session revoked',
    );
    const closed = this.#closeRevokedSockets(revocation) + onShards;
    if (revocation.accountDeleted && this.#store.isLoaded()) this.#store.forgetUser(revocation.userId);
    return ok({ closed });
  }

  async recheck(showId: string): Promise<RoomResult<RoomRecheck>> {
    if (!this.#store.isLoaded()) return ok({ loaded: false, settled: true, repairs: 0, resent: 0 });
    if (!(await this.#ensureLoaded(showId))) return fail('not_found', 'No show with that id exists.');
    // One reconciliation at a time: two would both see the same gap and write its repairs twice.
    while (this.#reconciling) await new Promise((r) => setTimeout(r, 20));
    this.#reconciling = true;
    try {
      const sql = openHttpSql(this.env);
      // Sent events Postgres lacks go again within seconds, not after ROOM_RESEND_AFTER_SECONDS: after a restore
      // they were lost with it, not slow. A repeat of one that was only slow is a no-op for the consumer.
      const config = {
        batchSize: 1000,
        maxBatches: 50,
        resendAfterMs: Math.min(this.#durability.resendAfterMs, RECHECK_RESEND_AFTER_MS),
      };
      const confirmed = await confirmSent(sql, this.#store, config, this.#log);
      if (confirmed.resent) this.#ensureAlarm(Date.now());
      const repairs = await reconcileCounts(sql, this.#store, this.#log, { compareRows: true });
      if (repairs === undefined) {
        // Events in flight: the alarm's count check runs once they are confirmed, comparing every row.
        this.#recheckPending = true;
        this.#countCheckedSeq = -1;
        this.#countCheckAt = 0;
        this.#ensureAlarm(Date.now() + this.#durability.reconcileIntervalMs);
        return ok({ loaded: true, settled: false, repairs: 0, resent: confirmed.resent });
      }
      this.#recheckPending = false;
      // Repairs go out now, and the next check confirms them (it never stops at a room that still differs).
      if (repairs) {
        this.#countCheckedSeq = -1;
        this.#ensureAlarm(Date.now());
      }
      this.#log.info('operator recheck', { showId, repairs, resent: confirmed.resent });
      return ok({ loaded: true, settled: true, repairs, resent: confirmed.resent });
    } finally {
      this.#reconciling = false;
    }
  }

  /** The room's own sockets of a revocation (the shards close theirs by the same rule, socket/identity.ts). */
  #closeRevokedSockets(revocation: SocketRevocation): number {
    const closed = closeRevokedSockets(
      this.ctx.getWebSockets(),
      revocation,
      SESSION_REVOKED_CLOSE_CODE,
      'session revoked',
    );
    if (closed) {
      this.#socketList = undefined;
      this.#viewersChanged();
    }
    return closed;
  }

  // ------------------------------------------------------------------ WebSocket

  override async fetch(request: Request): Promise<Response> {
    const notUpgrade = upgradeRequired(request);
    if (notUpgrade) return notUpgrade;
    const showId = request.headers.get(ROOM_HEADERS.showId) ?? '';
    if (!(await this.#ensureLoaded(showId))) {
      return Response.json({ error: { code: 'not_found', message: 'No show with that id exists.' } }, { status: 404 });
    }
    // Placement: in a big room the socket goes to a fan-out shard (the api worker then upgrades it there).
    const shard =
      request.headers.get(ROOM_HEADERS.fanout) === 'off' ? null : this.#shards.place(showId, this.#sockets().length);
    if (shard !== null) {
      this.#viewersChanged();
      return new Response(null, { status: 200, headers: { [ROOM_HEADERS.shard]: String(shard) } });
    }
    const attachment: SocketAttachment = identityOf(request);
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment(attachment);
    this.#socketList?.push(server);
    const since = new URL(request.url).searchParams.get('since');
    this.#catchUp(server, attachment, since === null ? undefined : Number(since));
    this.#viewersChanged();
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const message = readClientFrame(ws, raw, this.#limiter);
    if (!message) return;
    const attachment = ws.deserializeAttachment() as SocketAttachment;
    if (message.type === 'ping') return send(ws, { type: 'pong', ...(message.id ? { id: message.id } : {}) });
    if (message.type === 'resume') return this.#catchUp(ws, attachment, message.since);
    const actor = actorOf(attachment);
    if (!actor) return ackError(ws, message.id, 'unauthenticated', 'Sign in to vote or add songs.');
    // Each message is its own trace (or a hop of the client's, when it sends a `traceparent`); the ack names it.
    const trace = this.#traceOf(message.traceparent);
    let result: RoomResult<unknown>;
    if (message.type === 'vote') result = this.#decideVote(actor, message.setlistSongId, message.id, trace);
    else if (message.type === 'unvote') result = this.#decideUnvote(actor, message.setlistSongId, trace);
    else result = await this.#decideAddSong(actor, message.songId, trace);
    ackResult(ws, message.id, result, trace.traceId ? { traceId: trace.traceId } : {});
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.#socketList = undefined;
    try {
      ws.close(code, reason);
    } catch {
      // already closed by the runtime
    }
    this.#viewersChanged();
  }

  override async webSocketError(): Promise<void> {
    this.#socketList = undefined;
    this.#viewersChanged();
  }

  /**
   * Sends what a client missed since `since`, or a full snapshot when that is unknown, too old, or more than
   * RESUME_REPLAY_MAX messages behind (a snapshot is one message; `resume {since: 0}` must not cost 1,000 sends).
   */
  #catchUp(ws: WebSocket, attachment: SocketAttachment, since: number | undefined): void {
    const missed =
      since === undefined || !Number.isInteger(since) || this.#store.meta().updateSeq - since > RESUME_REPLAY_MAX
        ? undefined
        : this.#store.updatesSince(since);
    if (missed) {
      for (const body of missed) ws.send(body);
      return;
    }
    send(ws, this.#snapshot(attachment.userId));
  }

  #snapshot(userId: string | null): ServerSnapshot {
    const meta = this.#store.meta();
    const result = this.#store.result();
    return {
      type: 'snapshot',
      seq: meta.updateSeq,
      status: meta.status,
      locked: meta.locked,
      votingOpen: !this.#votingClosedReason(meta),
      songs: this.#store.setlist(),
      myVotes: userId ? this.#store.myVotes(userId) : [],
      viewers: this.#viewerCount(),
      played: this.#played(),
      ...(result ? { result } : {}),
    };
  }

  #sockets(): WebSocket[] {
    // getWebSockets() may include sockets that are closing.
    return (this.#socketList ??= this.ctx.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN));
  }

  /** Every socket of the show: the room's own and its shards'. */
  #viewerCount(): number {
    return this.#sockets().length + this.#shards.sockets();
  }

  // ------------------------------------------------------------------ RPC (from the fan-out shards)

  async fanoutSync(showId: string, shard: number): Promise<RoomResult<FanoutSync>> {
    if (!(await this.#ensureLoaded(showId))) return fail('not_found', 'No show with that id exists.');
    this.#shards.opened(showId, shard);
    const meta = this.#store.meta();
    const result = this.#store.result();
    const base: FanoutBase = {
      seq: meta.updateSeq,
      status: meta.status,
      locked: meta.locked,
      votingOpensAt: meta.votingOpensAt,
      votingClosesAt: meta.votingClosesAt,
      songs: this.#store.setlist(),
      played: this.#played(),
      viewers: this.#viewerCount(),
      ...(result ? { result } : {}),
    };
    return ok({ base, log: this.#store.recentUpdates(RESUME_REPLAY_MAX) });
  }

  async decide(showId: string, decisions: FanoutDecision[]): Promise<RoomResult<FanoutDecided[]>> {
    if (!(await this.#ensureLoaded(showId))) return fail('not_found', 'No show with that id exists.');
    return ok(decisions.map((decision) => this.#decideOne(decision)));
  }

  /** One decision of a shard's batch: a failure stays that decision's, the others of the batch still count. */
  #decideOne(decision: FanoutDecision): FanoutDecided {
    try {
      const trace = this.#traceOf(decision.traceparent);
      return decision.type === 'vote'
        ? this.#decideVote(decision.actor, decision.setlistSongId, decision.voteId, trace)
        : this.#decideUnvote(decision.actor, decision.setlistSongId, trace);
    } catch (err) {
      this.#log.error('decision failed', { err, type: decision.type });
      return fail('unavailable', 'The live room did not decide this one; send the same message again.');
    }
  }

  async myVotes(showId: string, userId: string): Promise<RoomResult<string[]>> {
    if (!(await this.#ensureLoaded(showId))) return fail('not_found', 'No show with that id exists.');
    return ok(this.#store.myVotes(userId));
  }

  async fanoutCount(_showId: string, shard: number, sockets: number): Promise<void> {
    if (this.#shards.report(shard, sockets)) this.#viewersChanged();
  }

  // ------------------------------------------------------------------ fan-out and outbox

  /**
   * A change was recorded: it is broadcast by the alarm at the next tick, never from the vote itself.
   * Broadcasting inside the vote made every vote pay for a send to every socket and delayed its ack
   * behind it (bench:room at 2,000 sockets: 16 votes/s accepted).
   */
  #changed(): void {
    const now = Date.now();
    const due = this.#lastFlushAt + this.#tick();
    if (due > now) {
      this.#ensureAlarm(due);
      return;
    }
    // Quiet until now: broadcast right after this event (its ack first) instead of through an alarm, which
    // costs a storage round of its own before it fires. The alarm stays armed one tick out as the backstop
    // that drains the outbox even if this instance goes away first.
    this.#flushTimer ??= setTimeout(() => {
      this.#flushTimer = undefined;
      this.#flush();
      this.#drainInBackground();
    }, 0);
    this.#ensureAlarm(now + this.#tickMs);
  }

  /**
   * The tick grows with the room (room/tick.ts): `ROOM_TICK_US_PER_SOCKET` per socket (default 45 µs, about
   * three times what a send costs the room's thread locally, WebSocket pipe and TCP included — perf, see
   * bench/room/README.md), never below `ROOM_TICK_MS`. Up to ~1,100 sockets that is the plain 50 ms tick;
   * 2,000 sockets tick every 90 ms, so fan-out stays about a third of the thread however large the room
   * grows. Ticks are counted from the start of the previous broadcast: `Date.now()` does not advance while
   * the object runs synchronously.
   */
  #tick(): number {
    return roomTickMs(this.#sockets().length, this.#tickMs, this.#tickUsPerSocket);
  }

  #viewersChanged(): void {
    this.#ensureAlarm(Date.now() + this.#tickMs);
  }

  /**
   * Broadcasts what changed since the last update, at most once per tick. Any alarm may call it (the
   * outbox drain re-arms every `ROOM_TICK_MS`); before the tick is due it only re-arms the alarm for it.
   */
  #flush(): void {
    const now = Date.now();
    const sockets = this.#sockets();
    const viewers = sockets.length + this.#shards.sockets();
    const changed = this.#store.hasChanges();
    if (!changed && viewers === this.#viewersBroadcast) return;
    // A viewer count alone is broadcast at most once a second: when 2,000 fans join, every join would
    // otherwise cost a broadcast to everyone already there (connect→snapshot in bench/room/README.md).
    const due = changed
      ? this.#lastFlushAt + this.#tick()
      : Math.max(this.#lastFlushAt + this.#tick(), this.#viewersBroadcastAt + VIEWER_COUNT_INTERVAL_MS);
    // A millisecond early counts as due: an alarm that re-armed itself for the same instant would spin.
    if (due - now > 1) {
      this.#ensureAlarm(due);
      return;
    }
    const taken = this.#store.takeChanges();
    this.#viewersBroadcast = viewers;
    this.#viewersBroadcastAt = now;
    const seq = taken?.seq ?? this.#store.nextUpdateSeq();
    const body = JSON.stringify({
      type: 'update',
      seq,
      changes: taken?.changes ?? [],
      added: taken?.added ?? [],
      viewers,
    });
    this.#store.logUpdate(seq, body, UPDATE_LOG_SIZE);
    this.#publish(seq, body, sockets);
    this.#voteUpdate.broadcast(Date.now());
    this.#lastFlushAt = now;
  }

  /** A logged message: one RPC to each open shard first (they send in parallel), then the room's own sockets. */
  #publish(seq: number, body: string, sockets: WebSocket[]): void {
    if (this.#shards.size) this.#shards.deliver(this.#store.meta().showId, seq, body, () => this.#viewersChanged());
    this.#broadcast(sockets, body);
  }

  /** Sends one serialised message to every given socket; a socket closing meanwhile gets a snapshot on reconnect. */
  #broadcast(sockets: WebSocket[], body: string): void {
    for (const ws of sockets) {
      try {
        ws.send(body);
      } catch {
        // closing socket
      }
    }
  }

  /** Sends a message that carries the next update seq to every socket, and keeps it for `resume`. */
  #broadcastLogged(message: { seq: number } & Record<string, unknown>): void {
    const body = JSON.stringify(message);
    this.#store.logUpdate(message.seq, body, UPDATE_LOG_SIZE);
    this.#publish(message.seq, body, this.#sockets());
  }

  #broadcastStatus(): void {
    const meta = this.#store.meta();
    const body = JSON.stringify({
      type: 'status',
      seq: this.#store.nextUpdateSeq(),
      status: meta.status,
      locked: meta.locked,
      votingOpen: !this.#votingClosedReason(meta),
    });
    const seq = this.#store.meta().updateSeq;
    this.#store.logUpdate(seq, body, UPDATE_LOG_SIZE);
    this.#publish(seq, body, this.#sockets());
  }

  #ensureAlarm(at: number): void {
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    this.#alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  override async alarm(): Promise<void> {
    this.#alarmAt = null;
    this.#flush();
    this.#drainInBackground();
    this.#reconcileInBackground();
    this.#reportPresenceInBackground();
  }

  /**
   * Checks the events the queue took against Postgres and, once nothing is in flight, the counts
   * (room/reconcile.ts), every ROOM_RECONCILE_SECONDS while there is something to check. Not awaited by the
   * alarm, like the drain: a slow Postgres must not hold broadcasts back.
   */
  #reconcileInBackground(): void {
    if (this.#reconciling || !this.#store.isLoaded()) return;
    const now = Date.now();
    const unconfirmed = this.#store.unconfirmedCount() > 0;
    const countsDue = this.#store.meta().eventSeq !== this.#countCheckedSeq;
    if (!unconfirmed && !countsDue) return;
    const due = unconfirmed ? this.#reconcileAt : Math.max(this.#reconcileAt, this.#countCheckAt);
    if (now < due) {
      this.#ensureAlarm(due);
      return;
    }
    this.#reconciling = true;
    void this.#reconcile()
      .catch((err: unknown) => this.#log.warn('reconciliation with postgres failed; will retry', { err }))
      .finally(() => {
        this.#reconciling = false;
        this.#reconcileAt = Date.now() + this.#durability.reconcileIntervalMs;
        if (this.#store.unconfirmedCount() > 0 || this.#store.meta().eventSeq !== this.#countCheckedSeq)
          this.#ensureAlarm(this.#reconcileAt);
      });
  }

  async #reconcile(): Promise<void> {
    const sql = openHttpSql(this.env);
    const config = { batchSize: 1000, maxBatches: 50, resendAfterMs: this.#durability.resendAfterMs };
    const confirmed = await confirmSent(sql, this.#store, config, this.#log);
    if (confirmed.resent) this.#ensureAlarm(Date.now());
    if (Date.now() < this.#countCheckAt) return;
    const seq = this.#store.meta().eventSeq;
    const repairs = await reconcileCounts(sql, this.#store, this.#log, { compareRows: this.#recheckPending });
    if (repairs === undefined) return;
    this.#recheckPending = false;
    this.#countCheckedSeq = repairs ? -1 : seq;
    this.#countCheckAt = Date.now() + this.#durability.countCheckIntervalMs;
    if (repairs) this.#ensureAlarm(Date.now());
  }

  /**
   * Starts an outbox drain unless one is running, without waiting for it. Alarms run one at a time, so an
   * awaited `sendBatch` that took a second held the next tick's broadcast back by a second, and one that
   * never settled stopped the room's updates altogether while votes were still acked. A drain that hears
   * nothing back is given up after ROOM_QUEUE_SEND_TIMEOUT_MS, and a retry alarm is armed before it starts, so
   * the events go out even if this instance is evicted mid-drain (the outbox is durable; the consumer is
   * idempotent on the vote id, so a batch sent twice counts once).
   */
  #drainInBackground(): void {
    if (this.#draining || this.#store.outboxSize() === 0) return;
    this.#draining = true;
    this.#ensureAlarm(Date.now() + this.#durability.queueSendTimeoutMs + this.#tickMs);
    this.#drainRun = this.#drainOutbox()
      .catch((err: unknown) => {
        // A storage error must not leave #draining set: the outbox would never drain again.
        this.#log.error('outbox drain failed', { err });
        return false;
      })
      .then((drained) => {
        this.#draining = false;
        this.#drainRun = undefined;
        if (drained) {
          this.#drainFailures = 0;
          if (this.#store.outboxSize() > 0) this.#ensureAlarm(Date.now() + this.#tickMs);
        } else {
          this.#drainFailures++;
          const { drainBackoffBaseMs: base, drainBackoffMaxMs: max } = this.#durability;
          this.#ensureAlarm(Date.now() + Math.min(max, base * 2 ** this.#drainFailures));
        }
      });
  }

  #reportPresenceInBackground(): void {
    if (this.#reporting) return;
    this.#reporting = true;
    void this.#reportPresence()
      .catch((err: unknown) => this.#log.warn('presence report failed', { err }))
      .finally(() => {
        this.#reporting = false;
      });
  }

  /** Reports the socket count to the ANALYTICS queue when due (room/presence.ts); a failure waits for the next alarm. */
  async #reportPresence(): Promise<void> {
    if (!this.#store.isLoaded()) return;
    const sockets = this.#viewerCount();
    const now = Date.now();
    const due = this.#presence.dueAt(sockets);
    if (due !== undefined && due <= now) {
      try {
        await settleWithin(
          this.env.ANALYTICS.send(presenceEvent(this.#store.meta().showId, sockets, now, this.#voteUpdate.takeP95()), {
            contentType: 'json',
          }),
          this.#durability.queueSendTimeoutMs,
          'presence report',
        );
        this.#presence.reported(sockets, now);
      } catch (err) {
        this.#log.warn('presence report failed', { err });
        this.#presence.reported(-1, now);
      }
    }
    const next = this.#presence.dueAt(sockets);
    if (next !== undefined) this.#ensureAlarm(Math.max(next, now + 1000));
  }

  /** Sends outbox events to the queue in batches; returns false when the queue refused a batch. */
  async #drainOutbox(): Promise<boolean> {
    for (let i = 0; i < OUTBOX_BATCHES_PER_DRAIN; i++) {
      const batch = this.#store.outboxBatch(OUTBOX_BATCH);
      if (!batch.length) return true;
      try {
        const fault = await injectedQueueFault(this.env);
        await settleWithin(
          withInjectedFault(fault, () =>
            this.env.VOTE_EVENTS.sendBatch(batch.map((row) => ({ body: row.body, contentType: 'text' as const }))),
          ),
          this.#durability.queueSendTimeoutMs,
          'vote-events sendBatch',
        );
      } catch (err) {
        this.#log.warn('outbox drain failed; events stay in the outbox', { err, pending: this.#store.outboxSize() });
        return false;
      }
      // Sent is not confirmed: the rows stay until Postgres is seen to hold them (room/reconcile.ts).
      this.#store.markSent(
        batch.map((row) => row.seq),
        Date.now(),
      );
      this.#ensureAlarm(Math.max(this.#reconcileAt, Date.now() + this.#tickMs));
    }
    return true;
  }
}
