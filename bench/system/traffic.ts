/**
 * The show-night routes: what one request (or WebSocket message) of each kind does, and the fans' live sockets.
 * Each `send` resolves with the outcome's status — an HTTP status, `ws:ok` / `ws:<error code>` for a room's ack,
 * `0` for a network failure or a 30 s timeout — and the caller times it from the request's due time.
 */
import WebSocket from 'ws';
import { SESSION_COOKIE } from '../../workers/api/src/auth/session-token';
import { syntheticIp } from '../read/load';
import type { Keys, Room } from './keys';

export const ROUTES = [
  'home_html',
  'search_v1',
  'artist_html',
  'artist_v1',
  'show_html',
  'show_v1',
  'feed_html',
  'inbox_html',
  'show_html_signed',
  'me_v1',
  'vote_ws',
  'vote_http',
  'join_ws',
  'follow',
  'played',
  'admin_metrics',
  'leaderboard_v1',
  'refused_v1',
] as const;
export type RouteName = (typeof ROUTES)[number];

export interface Profile {
  rooms: number;
  socketsPerRoom: number;
  users: number;
  anonCookieShare: number;
  mix: Partial<Record<RouteName, number>>;
}

/** Whether an outcome counts as an error. */
export const isError = (status: string) => !(status === 'ws:ok' || /^[23]\d\d$/.test(status));

const TIMEOUT_MS = 30_000;
const ANALYTICS_COOKIE = '_ga=GA1.1.123456789.1765000000; consent=analytics:yes';

interface LiveSocket {
  ws: WebSocket;
  room: Room;
  voted: Set<string>;
  acks: Map<string, (status: string) => void>;
}

function openSocket(
  baseUrl: string,
  room: Room,
  token: string,
  ip: string,
  onSnapshot?: () => void,
): { ws: WebSocket; acks: Map<string, (s: string) => void>; ready: Promise<string> } {
  const url = `${baseUrl.replace(/^http/, 'ws')}/v1/shows/${room.showId}/live?token=${encodeURIComponent(token)}`;
  const ws = new WebSocket(url, { headers: { 'CF-Connecting-IP': ip } });
  const acks = new Map<string, (s: string) => void>();
  const ready = new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve('0'), TIMEOUT_MS);
    ws.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      resolve(String(res.statusCode ?? 0));
    });
    ws.on('error', () => {
      clearTimeout(timer);
      resolve('0');
    });
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { type: string; ref?: string; ok?: boolean; error?: { code: string } };
      if (msg.type === 'snapshot') {
        clearTimeout(timer);
        onSnapshot?.();
        resolve('ws:ok');
      } else if (msg.type === 'ack' && msg.ref) {
        const done = acks.get(msg.ref);
        acks.delete(msg.ref);
        done?.(msg.ok ? 'ws:ok' : `ws:${msg.error?.code ?? 'error'}`);
      }
    });
  });
  return { ws, acks, ready };
}

export class Traffic {
  readonly #sockets: LiveSocket[] = [];
  /** Votes cast over HTTP, per fan, show and song: the next request for the same takes it back. */
  readonly #httpVoted = new Set<string>();
  readonly #following = new Set<string>();
  #playedTitle = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly keys: Keys,
    private readonly profile: Profile,
    private readonly random: () => number,
  ) {}

  /** Opens the fans' sockets in the rooms (each fan in one room), a few at a time. */
  async connect(log: (line: string) => void): Promise<void> {
    const { rooms, fans } = this.keys;
    const specs: { room: Room; token: string; i: number }[] = [];
    for (let r = 0; r < rooms.length; r++)
      for (let s = 0; s < this.profile.socketsPerRoom; s++) {
        const i = r * this.profile.socketsPerRoom + s;
        specs.push({ room: rooms[r]!, token: fans[i % fans.length]!, i });
      }
    for (let i = 0; i < specs.length; i += 10) {
      await Promise.all(
        specs.slice(i, i + 10).map(async ({ room, token, i: n }) => {
          const { ws, acks, ready } = openSocket(this.baseUrl, room, token, syntheticIp(70_000 + n));
          const status = await ready;
          if (status !== 'ws:ok') throw new Error(`socket ${n} to room ${room.showId}: ${status}`);
          this.#sockets.push({ ws, room, voted: new Set(), acks });
        }),
      );
    }
    log(`${this.#sockets.length} sockets open in ${rooms.length} rooms`);
  }

  close(): void {
    for (const s of this.#sockets) s.ws.close();
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  async #http(
    path: string,
    opts: { method?: string; token?: string; cookie?: string; body?: unknown; ip: string },
  ): Promise<string> {
    const headers: Record<string, string> = { 'CF-Connecting-IP': opts.ip, Accept: 'text/html,application/json' };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    if (opts.cookie) headers.Cookie = opts.cookie;
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method: opts.method ?? 'GET',
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.arrayBuffer();
      return String(res.status);
    } catch {
      return '0';
    }
  }

  /** One request of `route`; `seq` spreads anonymous visitors over addresses. */
  send(route: RouteName, seq: number): Promise<string> {
    const { keys } = this;
    const ip = syntheticIp(seq % 5000);
    const anonCookie = this.random() < this.profile.anonCookieShare ? ANALYTICS_COOKIE : undefined;
    const fanIndex = Math.floor(this.random() * keys.fans.length);
    const fan = keys.fans[fanIndex]!;
    const fanCookie = `${SESSION_COOKIE}=${fan}; ${ANALYTICS_COOKIE}`;
    const show = this.#pick(keys.shows);
    const artist = this.#pick(keys.artists);
    switch (route) {
      case 'home_html':
        return this.#http('/', { ip, cookie: anonCookie });
      case 'search_v1':
        return this.#http(`/v1/search?q=${encodeURIComponent(this.#pick(keys.searchTerms))}`, { ip });
      case 'artist_html':
        return this.#http(`/artists/${artist.slug}`, { ip, cookie: anonCookie });
      case 'artist_v1':
        return this.#http(`/v1/artists/${artist.slug}`, { ip });
      case 'show_html':
        return this.#http(`/shows/${show.slug}`, { ip, cookie: anonCookie });
      case 'show_v1':
        return this.#http(`/v1/shows/${show.id}`, { ip });
      case 'feed_html':
        return this.#http('/feed', { ip, cookie: fanCookie });
      case 'inbox_html':
        return this.#http('/inbox', { ip, cookie: fanCookie });
      case 'show_html_signed':
        return this.#http(`/shows/${this.#pick(keys.shows.slice(0, 20)).slug}`, { ip, cookie: fanCookie });
      case 'me_v1':
        return this.#http('/v1/me', { ip, token: fan });
      case 'vote_http': {
        // Fans without a socket (the sockets' fans vote over them), so the two paths never vote for the same fan.
        const socketFans = Math.min(this.#sockets.length, keys.fans.length - 1);
        const voter = socketFans + Math.floor(this.random() * (keys.fans.length - socketFans));
        const room = this.#pick(keys.rooms);
        const song = this.#pick(room.songs);
        const key = `${voter}:${room.showId}:${song}`;
        const fan = keys.fans[voter]!;
        if (this.#httpVoted.delete(key))
          return this.#http(`/v1/shows/${room.showId}/votes/${song}`, { method: 'DELETE', token: fan, ip });
        this.#httpVoted.add(key);
        return this.#http(`/v1/shows/${room.showId}/votes`, {
          method: 'POST',
          token: fan,
          ip,
          body: { setlistSongId: song, voteId: crypto.randomUUID() },
        });
      }
      case 'follow': {
        const key = `${fanIndex}:${artist.id}`;
        const method = this.#following.delete(key) ? 'DELETE' : (this.#following.add(key), 'PUT');
        return this.#http(`/v1/me/follows/${artist.id}`, { method, token: fan, ip });
      }
      case 'played':
        return this.#http(`/v1/shows/${keys.playedShowId}/played`, {
          method: 'POST',
          token: keys.moderator,
          ip,
          body: { title: `Bench encore ${++this.#playedTitle}` },
        });
      case 'admin_metrics':
        return this.#http('/v1/admin/metrics', { token: keys.admin, ip });
      case 'leaderboard_v1':
        return this.#http(`/v1/leaderboard?period=${this.#pick(['week', 'month', 'year', 'all'])}`, { ip });
      case 'refused_v1':
        // One client past its limit (run with --rate-limit): what a refused request costs.
        return this.#http('/v1/shows?limit=1', { ip: '198.19.255.254' });
      case 'vote_ws':
        return this.#voteWs();
      case 'join_ws':
        return this.#join(fan, ip);
    }
  }

  #voteWs(): Promise<string> {
    const socket = this.#pick(this.#sockets);
    if (socket.ws.readyState !== WebSocket.OPEN) return Promise.resolve('0');
    const song = this.#pick(socket.room.songs);
    const id = crypto.randomUUID();
    const type = socket.voted.delete(song) ? 'unvote' : (socket.voted.add(song), 'vote');
    return new Promise<string>((resolve) => {
      const timer = setTimeout(() => {
        socket.acks.delete(id);
        resolve('0');
      }, TIMEOUT_MS);
      socket.acks.set(id, (status) => {
        clearTimeout(timer);
        resolve(status);
      });
      socket.ws.send(JSON.stringify({ type, id, setlistSongId: song }));
    });
  }

  /** A fan opening the live room: signed-in upgrade → snapshot, then leaves. */
  async #join(token: string, ip: string): Promise<string> {
    const { ws, ready } = openSocket(this.baseUrl, this.#pick(this.keys.rooms), token, ip);
    const status = await ready;
    ws.close();
    return status;
  }
}
