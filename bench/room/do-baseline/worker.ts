/**
 * The bare Durable Object baseline of bench:room: the room's protocol in one minimal Durable Object on the
 * same runtime as the real room (workerd under `wrangler dev`), with nothing else: counts in memory, no
 * storage, no outbox, no auth (the token is the user id), no rate limit, a 50 ms coalescing tick. It
 * tells the runtime's cost (one object's thread, the WebSocket pipe, the dev proxy) from the room's own:
 * the real room can at best match it. Same semantics and JSON shapes as baseline-server.ts (the bare
 * Node `ws` server): one vote per user per song, idempotent vote ids, the ack carries the new count,
 * changes coalesced into at most one `update` per tick, flushed at once when a tick has passed.
 *
 * A plain Durable Object class (WebSocket hibernation API, as the room uses) rather than partyserver:
 * no dependency, and nothing between the runtime and the protocol.
 */
import { DurableObject } from 'cloudflare:workers';

const VIEWER_COUNT_INTERVAL_MS = 1000;

interface Env {
  ROOM: DurableObjectNamespace<BareRoom>;
  SONGS: string;
  TICK_MS: string;
}

interface Song {
  setlistSongId: string;
  songId: string;
  title: string;
  votes: number;
}

export class BareRoom extends DurableObject<Env> {
  readonly #songs: Song[];
  readonly #byId: Map<string, Song>;
  readonly #votesByUser = new Map<string, Set<string>>();
  readonly #voteIds = new Map<string, { user: string; song: string; votes: number }>();
  readonly #changed = new Set<string>();
  readonly #tickMs: number;
  #socketList: WebSocket[] | undefined;
  #seq = 0;
  #lastFlushAt = 0;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #viewersBroadcast = -1;
  #viewersBroadcastAt = 0;
  #viewerTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#tickMs = Number(env.TICK_MS);
    this.#songs = Array.from({ length: Number(env.SONGS) }, (_, i) => ({
      setlistSongId: crypto.randomUUID(),
      songId: crypto.randomUUID(),
      title: `Baseline Song ${String(i + 1).padStart(3, '0')}`,
      votes: 0,
    }));
    this.#byId = new Map(this.#songs.map((s) => [s.setlistSongId, s]));
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/counts') return Response.json({ sum: this.#songs.reduce((a, s) => a + s.votes, 0) });
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') return new Response('upgrade', { status: 426 });
    const user = url.searchParams.get('token');
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ user });
    this.#socketList?.push(server);
    const mine = user ? [...(this.#votesByUser.get(user) ?? [])] : [];
    const sorted = [...this.#songs].sort((a, b) => b.votes - a.votes || a.title.localeCompare(b.title));
    server.send(
      JSON.stringify({
        type: 'snapshot',
        seq: this.#seq,
        status: 'upcoming',
        locked: false,
        votingOpen: true,
        songs: sorted,
        myVotes: mine,
        viewers: this.#sockets().length,
      }),
    );
    this.#scheduleFlush();
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    if (typeof raw !== 'string') return this.#ackError(ws, null, 'invalid_message');
    let msg: { type?: string; id?: string; setlistSongId?: string };
    try {
      msg = JSON.parse(raw) as typeof msg;
    } catch {
      return this.#ackError(ws, null, 'invalid_message');
    }
    if (msg.type !== 'vote' || typeof msg.id !== 'string' || typeof msg.setlistSongId !== 'string')
      return this.#ackError(ws, msg.id ?? null, 'invalid_message');
    const user = (ws.deserializeAttachment() as { user: string | null }).user;
    if (!user) return this.#ackError(ws, msg.id, 'unauthenticated');
    const prior = this.#voteIds.get(msg.id);
    if (prior) {
      if (prior.user !== user || prior.song !== msg.setlistSongId)
        return this.#ackError(ws, msg.id, 'vote_id_conflict');
      return ws.send(
        JSON.stringify({
          type: 'ack',
          ref: msg.id,
          ok: true,
          result: { setlistSongId: msg.setlistSongId, votes: prior.votes, voteId: msg.id, repeated: true },
        }),
      );
    }
    const song = this.#byId.get(msg.setlistSongId);
    if (!song) return this.#ackError(ws, msg.id, 'setlist_song_not_found');
    let mine = this.#votesByUser.get(user);
    if (!mine) {
      mine = new Set();
      this.#votesByUser.set(user, mine);
    }
    if (mine.has(song.setlistSongId)) return this.#ackError(ws, msg.id, 'already_voted');
    mine.add(song.setlistSongId);
    song.votes++;
    this.#voteIds.set(msg.id, { user, song: song.setlistSongId, votes: song.votes });
    this.#changed.add(song.setlistSongId);
    this.#scheduleFlush(); // as in the room: the broadcast (if due) goes out before the ack
    ws.send(
      JSON.stringify({
        type: 'ack',
        ref: msg.id,
        ok: true,
        result: { setlistSongId: song.setlistSongId, votes: song.votes, voteId: msg.id, repeated: false },
      }),
    );
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.#socketList = undefined;
    try {
      ws.close(code, reason);
    } catch {
      // already closed by the runtime
    }
    this.#scheduleFlush();
  }

  override async webSocketError(): Promise<void> {
    this.#socketList = undefined;
    this.#scheduleFlush();
  }

  #sockets(): WebSocket[] {
    this.#socketList ??= this.ctx.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN);
    return this.#socketList;
  }

  #ackError(ws: WebSocket, ref: string | null, code: string): void {
    ws.send(JSON.stringify({ type: 'ack', ref, ok: false, error: { code, message: code } }));
  }

  #flush(now = Date.now()): void {
    const sockets = this.#sockets();
    const viewers = sockets.length;
    if (this.#changed.size === 0 && viewers === this.#viewersBroadcast) return;
    // As in the room: a viewer count alone goes out at most once a second (a connect storm would otherwise
    // cost a broadcast to everyone per tick).
    if (this.#changed.size === 0 && now - this.#viewersBroadcastAt < VIEWER_COUNT_INTERVAL_MS) {
      this.#viewerTimer ??= setTimeout(
        () => {
          this.#viewerTimer = undefined;
          this.#flush();
        },
        this.#viewersBroadcastAt + VIEWER_COUNT_INTERVAL_MS - now,
      );
      return;
    }
    // As in the room: a tick counts from the last broadcast, not from a timer that found nothing to send.
    this.#lastFlushAt = now;
    this.#viewersBroadcast = viewers;
    this.#viewersBroadcastAt = now;
    const changes = [...this.#changed].map((id) => ({ setlistSongId: id, votes: this.#byId.get(id)!.votes }));
    this.#changed.clear();
    const body = JSON.stringify({ type: 'update', seq: ++this.#seq, changes, added: [], viewers });
    for (const ws of sockets) {
      try {
        ws.send(body);
      } catch {
        this.#socketList = undefined; // closing meanwhile
      }
    }
  }

  /** Like ShowRoom#changed: flush now if a tick has passed, else once at the next tick. */
  #scheduleFlush(): void {
    const now = Date.now();
    if (now - this.#lastFlushAt >= this.#tickMs) this.#flush(now);
    if (!this.#flushTimer) {
      this.#flushTimer = setTimeout(() => {
        this.#flushTimer = undefined;
        this.#flush();
      }, this.#tickMs);
    }
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/health') return Response.json({ status: 'ok' });
    if (url.pathname !== '/live' && url.pathname !== '/counts') return new Response('not found', { status: 404 });
    return env.ROOM.get(env.ROOM.idFromName('room')).fetch(request);
  },
} satisfies ExportedHandler<Env>;
