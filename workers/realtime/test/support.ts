import { env } from 'cloudflare:workers';
import { placeLiveSocket, ROOM_HEADERS, type RoomActor, showRoomStub } from '#shared/room-rpc';
import { sql } from '../../../test/support/database';

export { sql };

/**
 * An upcoming show with voting open, `songCount` songs of its artist, and `fanCount` fans. The show is a week
 * away, or (`startsNow`) starts now with voting open for one more day.
 */
export async function fixture(opts: { songCount?: number; fanCount?: number; startsNow?: boolean } = {}) {
  const tag = crypto.randomUUID().slice(0, 8);
  const [artist] = (await sql().query(`insert into artists (slug, name) values ($1, $1) returning id`, [
    `a-${tag}`,
  ])) as { id: string }[];
  const songIds: string[] = [];
  for (let i = 0; i < (opts.songCount ?? 1); i++) {
    const [song] = (await sql().query(`insert into songs (artist_id, title) values ($1, $2) returning id`, [
      artist!.id,
      i === 0 ? 'Opener' : `Song ${i}`,
    ])) as { id: string }[];
    songIds.push(song!.id);
  }
  const [venue] = (await sql().query(
    `insert into venues (slug, name, city, country, time_zone) values ($1, $1, 'Lyon', 'FR', 'Europe/Paris') returning id`,
    [`v-${tag}`],
  )) as { id: string }[];
  const [startsAt, closesAt] = opts.startsNow
    ? ['now()', "now() + interval '1 day'"]
    : ["now() + interval '7 days'", "now() + interval '7 days'"];
  const [show] = (await sql().query(
    `insert into shows (slug, artist_id, venue_id, starts_at, voting_opens_at, voting_closes_at)
     values ($1, $2, $3, ${startsAt}, now() - interval '1 day', ${closesAt}) returning id`,
    [`s-${tag}`, artist!.id, venue!.id],
  )) as { id: string }[];
  const fans: RoomActor[] = [];
  for (let i = 0; i < (opts.fanCount ?? 3); i++) {
    const [u] = (await sql().query(
      `insert into users (email, password_hash, display_name) values ($1, 'x', 'Fan') returning id`,
      [`${tag}-${i}@example.test`],
    )) as { id: string }[];
    fans.push({ userId: u!.id, role: 'fan' });
  }
  return { showId: show!.id, songId: songIds[0]!, songIds, fans };
}

/** A show whose setlist already holds every song of the fixture; returns the setlist song ids too. */
export async function fixtureWithSetlist(opts: { songCount?: number; fanCount?: number } = {}) {
  const f = await fixture(opts);
  const room = showRoomStub(env.SHOW_ROOM, f.showId);
  const setlistSongIds: string[] = [];
  for (const songId of f.songIds) {
    const added = await room.addSong(f.showId, f.fans[0]!, songId);
    if (!added.ok) throw new Error(added.error.message);
    setlistSongIds.push(added.value.setlistSongId);
  }
  return { ...f, room, setlistSongIds };
}

/** The default fixture (one song, three fans) with its song on the setlist, added by the first fan. */
export async function fixtureWithSong(opts: { fanCount?: number } = {}) {
  const { setlistSongIds, ...rest } = await fixtureWithSetlist(opts);
  return { ...rest, setlistSongId: setlistSongIds[0]! };
}

export type Message = Record<string, unknown> & { type: string; seq?: number };

/**
 * A socket into a show's live room, placed as the api worker's live route places it (placeLiveSocket): on
 * the room itself, or on the fan-out shard the room chose (`shard`).
 */
export async function connect(
  showId: string,
  opts: { fan?: RoomActor; since?: number; shard?: number; fanoutOff?: boolean } = {},
) {
  let shard: number | null = null;
  const url = `http://room/live${opts.since === undefined ? '' : `?since=${opts.since}`}`;
  // `shard`: straight to that shard, as if the room had placed the socket there.
  const forced = opts.shard;
  const placeOn = (room: typeof env.SHOW_ROOM) =>
    forced === undefined
      ? room
      : ({
          idFromName: () => room.idFromName(''),
          get: () => ({
            fetch: async () => new Response(null, { headers: { [ROOM_HEADERS.shard]: String(forced) } }),
          }),
        } as unknown as typeof env.SHOW_ROOM);
  const res = await placeLiveSocket({ room: placeOn(env.SHOW_ROOM), fanout: env.ROOM_FANOUT }, showId, (placed) => {
    shard = placed;
    const headers = new Headers({ Upgrade: 'websocket', [ROOM_HEADERS.showId]: showId });
    if (opts.fan) {
      headers.set(ROOM_HEADERS.userId, opts.fan.userId);
      headers.set(ROOM_HEADERS.role, opts.fan.role);
    }
    if (placed !== null) headers.set(ROOM_HEADERS.shard, String(placed));
    if (opts.fanoutOff) headers.set(ROOM_HEADERS.fanout, 'off');
    return new Request(url, { headers });
  });
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
  const ws = res.webSocket;
  ws.accept();
  const inbox: Message[] = [];
  /** Every message with a seq, in arrival order, never removed (for gap checks). */
  const sequenced: Message[] = [];
  let closed = false;
  const waiters: (() => void)[] = [];
  ws.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as Message;
    inbox.push(message);
    if (typeof message.seq === 'number') sequenced.push(message);
    for (const wake of waiters.splice(0)) wake();
  });
  ws.addEventListener('close', () => {
    closed = true;
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    ws,
    shard: shard as number | null,
    inbox,
    sequenced,
    isClosed: () => closed,
    send: (message: unknown) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    /** Waits for (and removes) the first message matching `match`. */
    async next<T = Message>(match: (m: Message) => boolean = () => true, timeoutMs = 5000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = inbox.findIndex(match);
        if (index >= 0) return inbox.splice(index, 1)[0] as T;
        const left = deadline - Date.now();
        if (left <= 0 || closed)
          throw new Error(
            `no matching message in ${timeoutMs} ms${closed ? ' (closed)' : ''}; inbox: ${JSON.stringify(inbox).slice(0, 400)}`,
          );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    close: () => {
      try {
        ws.close(1000, 'test done');
      } catch {
        // already closed
      }
    },
  };
}
export type TestSocket = Awaited<ReturnType<typeof connect>>;

/** Seq numbers as a socket received them, from its snapshot on, with no gap and no repeat. */
export function expectGapFree(socket: TestSocket): void {
  const seqs = socket.sequenced.map((m) => m.seq!);
  for (let i = 1; i < seqs.length; i++) {
    if (seqs[i] !== seqs[i - 1]! + 1 && socket.sequenced[i]!.type !== 'snapshot')
      throw new Error(`seq gap on a socket: ${seqs.slice(Math.max(0, i - 3), i + 2).join(', ')}`);
  }
}

/** The last vote count a socket saw for a song (snapshot or updates). */
export function lastCount(socket: TestSocket, setlistSongId: string): number | undefined {
  let count: number | undefined;
  for (const m of socket.sequenced) {
    if (m.type === 'snapshot')
      count = (m.songs as { setlistSongId: string; votes: number }[]).find(
        (s) => s.setlistSongId === setlistSongId,
      )?.votes;
    if (m.type === 'update') {
      const change = [
        ...(m.changes as { setlistSongId: string; votes: number }[]),
        ...(m.added as { setlistSongId: string; votes: number }[]),
      ].find((c) => c.setlistSongId === setlistSongId);
      if (change) count = change.votes;
    }
  }
  return count;
}

export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
