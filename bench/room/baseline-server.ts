/**
 * The baseline: the room's protocol on a bare `ws` server, in memory, with nothing else — no durable
 * storage, no outbox, no runtime, no proxy. It answers the question "what does the fan-out itself cost
 * on this machine?", so the real room's figures can be read as a ratio of it.
 *
 * Same semantics as the ShowRoom, minimally: one vote per user per song, idempotent vote ids, the ack
 * carries the new count, changes coalesced into at most one `update` per tick (flushed at once when a
 * tick has passed since the last one, else at the next tick boundary; also when the viewer count
 * changes), the same JSON shapes. Not here: persistence, rate limiting, auth (the token is the user id).
 *
 * Run as its own process (so it has its own event loop and core): prints {"port":N} when listening.
 *   node --import tsx bench/room/baseline-server.ts --songs 150 --tick-ms 50
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import WebSocket, { WebSocketServer } from 'ws';

const { values } = parseArgs({
  options: { songs: { type: 'string', default: '150' }, 'tick-ms': { type: 'string', default: '50' } },
});
const tickMs = Number(values['tick-ms']);
const songs = Array.from({ length: Number(values.songs) }, (_, i) => ({
  setlistSongId: randomUUID(),
  songId: randomUUID(),
  title: `Baseline Song ${String(i + 1).padStart(3, '0')}`,
  votes: 0,
}));
const byId = new Map<string, (typeof songs)[number]>(songs.map((s) => [s.setlistSongId, s]));
const votesByUser = new Map<string, Set<string>>();
const voteIds = new Map<string, { user: string; song: string; votes: number }>();
const changed = new Set<string>();
const users = new WeakMap<WebSocket, string | null>();
let seq = 0;
let lastFlushAt = 0;
let flushTimer: NodeJS.Timeout | undefined;
let viewersBroadcast = -1;
let viewersBroadcastAt = 0;
let viewerTimer: NodeJS.Timeout | undefined;
const VIEWER_COUNT_INTERVAL_MS = 1000;

const server = createServer((req, res) => {
  // For the consistency check: the room's counts.
  if (req.url === '/counts') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ sum: songs.reduce((a, s) => a + s.votes, 0) }));
    return;
  }
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });

function flush(now = Date.now()): void {
  const viewers = wss.clients.size;
  if (changed.size === 0 && viewers === viewersBroadcast) return;
  // As in the room: a viewer count alone goes out at most once a second (a connect storm would otherwise
  // cost a broadcast to everyone per tick).
  if (changed.size === 0 && now - viewersBroadcastAt < VIEWER_COUNT_INTERVAL_MS) {
    viewerTimer ??= setTimeout(
      () => {
        viewerTimer = undefined;
        flush();
      },
      viewersBroadcastAt + VIEWER_COUNT_INTERVAL_MS - now,
    );
    return;
  }
  // As in the room: a tick counts from the last broadcast, not from a timer that found nothing to send.
  lastFlushAt = now;
  viewersBroadcast = viewers;
  viewersBroadcastAt = now;
  const changes = [...changed].map((id) => ({ setlistSongId: id, votes: byId.get(id)!.votes }));
  changed.clear();
  const body = JSON.stringify({ type: 'update', seq: ++seq, changes, added: [], viewers });
  for (const ws of wss.clients) if (ws.readyState === WebSocket.OPEN) ws.send(body);
}

/** Like ShowRoom#changed: flush now if a tick has passed, else once at the next tick. */
function scheduleFlush(): void {
  const now = Date.now();
  if (now - lastFlushAt >= tickMs) flush(now);
  if (!flushTimer) {
    flushTimer = setTimeout(() => {
      flushTimer = undefined;
      flush();
    }, tickMs);
  }
}

const send = (ws: WebSocket, msg: unknown) => ws.send(JSON.stringify(msg));
const ackError = (ws: WebSocket, ref: string | null, code: string) =>
  send(ws, { type: 'ack', ref, ok: false, error: { code, message: code } });

wss.on('connection', (ws, req) => {
  const token = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
  users.set(ws, token);
  const mine = token ? [...(votesByUser.get(token) ?? [])] : [];
  const sorted = [...songs].sort((a, b) => b.votes - a.votes || a.title.localeCompare(b.title));
  send(ws, {
    type: 'snapshot',
    seq,
    status: 'upcoming',
    locked: false,
    votingOpen: true,
    songs: sorted,
    myVotes: mine,
    viewers: wss.clients.size,
  });
  scheduleFlush();
  ws.on('close', () => scheduleFlush());
  ws.on('message', (raw) => {
    let msg: { type?: string; id?: string; setlistSongId?: string };
    try {
      msg = JSON.parse(raw.toString()) as typeof msg;
    } catch {
      return ackError(ws, null, 'invalid_message');
    }
    if (msg.type === 'ping') return send(ws, { type: 'pong', ...(msg.id ? { id: msg.id } : {}) });
    if (msg.type !== 'vote' || typeof msg.id !== 'string' || typeof msg.setlistSongId !== 'string')
      return ackError(ws, msg.id ?? null, 'invalid_message');
    const user = users.get(ws);
    if (!user) return ackError(ws, msg.id, 'unauthenticated');
    const prior = voteIds.get(msg.id);
    if (prior) {
      if (prior.user !== user || prior.song !== msg.setlistSongId) return ackError(ws, msg.id, 'vote_id_conflict');
      return send(ws, {
        type: 'ack',
        ref: msg.id,
        ok: true,
        result: { setlistSongId: msg.setlistSongId, votes: prior.votes, voteId: msg.id, repeated: true },
      });
    }
    const song = byId.get(msg.setlistSongId);
    if (!song) return ackError(ws, msg.id, 'setlist_song_not_found');
    let mineSet = votesByUser.get(user);
    if (!mineSet) votesByUser.set(user, (mineSet = new Set()));
    if (mineSet.has(song.setlistSongId)) return ackError(ws, msg.id, 'already_voted');
    mineSet.add(song.setlistSongId);
    song.votes++;
    voteIds.set(msg.id, { user, song: song.setlistSongId, votes: song.votes });
    changed.add(song.setlistSongId);
    scheduleFlush(); // as in the room: the broadcast (if due) goes out before the ack
    send(ws, {
      type: 'ack',
      ref: msg.id,
      ok: true,
      result: { setlistSongId: song.setlistSongId, votes: song.votes, voteId: msg.id, repeated: false },
    });
  });
});

server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof addr === 'object' && addr ? addr.port : 0 })}\n`);
});
const stop = () => {
  for (const ws of wss.clients) ws.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
