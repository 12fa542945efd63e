/**
 * Revocation reaching open sockets. A socket is authenticated once, at the upgrade, and then lives in its room
 * for as long as the fan keeps the page open; deleting the session row alone left it voting. So the upgrade
 * records which rooms a user holds sockets in (live_room_users), and every revocation (log-out, revoking one or
 * all sessions, a password change, an account deletion) tells those rooms, which close the sockets of the revoked
 * sessions before the request answers (ShowRoom.revokeSockets).
 *
 * Push rather than having the room re-check the session every few seconds: the vote path stays free of Postgres
 * (the room accepts votes while Postgres is down, docs/realtime.md), revocation is immediate rather than after a
 * polling period, and the cost is one upsert per authenticated upgrade (at most one write per user and room every
 * few minutes) instead of a read per voting socket per period.
 */
import { eq, lt, sql } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import type { Database, ReadDatabase } from '#shared/db/client';
import { liveRoomUsers, setlistSongs } from '#shared/db/schema';
import type { Logger } from '#shared/log';
import { placedRoom } from '#shared/regions/room-address';
import type { RoomResult, SocketRevocation } from '#shared/room-rpc';
import { settleWithin } from '#shared/settle-within';
import { DAY_MS } from '#shared/time';

/** A room that has not answered by then is logged and skipped: a log-out must not hang on one room. */
const ROOM_CALL_TIMEOUT_MS = 5000;
/** The most rooms one revocation tells (the most recently joined first). */
const MAX_ROOMS = 500;

/** The join record is refreshed at most this often; the statement below skips younger rows itself. */
const JOIN_REFRESH_MS = 5 * 60_000;

/**
 * Joins this isolate recorded within JOIN_REFRESH_MS, by user and show: a fan's reconnects (a phone's screen
 * turning on, a flaky network, a page reload) come often, and each would cost a round trip that changes nothing.
 * No timers (`ttlResolution: 0`): workerd ties them to the request that set them.
 */
const recentJoins = new LRUCache<string, true>({
  max: 50_000,
  ttl: JOIN_REFRESH_MS,
  ttlResolution: 0,
  perf: { now: () => Date.now() },
});

/**
 * The upgrade of a signed-in socket: remember the room, refreshing the row at most every 5 minutes. One statement
 * over HTTP (`primaryHttp`): through the request's WebSocket pool every join opened a Postgres connection of its own.
 * A join this isolate recorded less than 5 minutes ago costs nothing: the row is there and young, so the statement
 * would change nothing (rows are only pruned after days).
 */
export async function recordRoomJoin(primary: ReadDatabase, userId: string, showId: string): Promise<void> {
  const key = `${userId}/${showId}`;
  if (recentJoins.has(key)) return;
  await primary
    .insert(liveRoomUsers)
    .values({ userId, showId })
    .onConflictDoUpdate({
      target: [liveRoomUsers.userId, liveRoomUsers.showId],
      set: { seenAt: sql`now()` },
      setWhere: sql`${liveRoomUsers.seenAt} < now() - interval '5 minutes'`,
    });
  recentJoins.set(key, true);
}

/** The cron: a row older than the longest a session lives names no socket a revocation could still matter for. */
export async function pruneRoomJoins(db: Database, olderThanDays: number): Promise<number> {
  const removed = await db.$primary
    .delete(liveRoomUsers)
    .where(lt(liveRoomUsers.seenAt, new Date(Date.now() - olderThanDays * DAY_MS)))
    .returning({ userId: liveRoomUsers.userId });
  return removed.length;
}

/**
 * Tells every room the user joined to close the sockets of the revoked sessions (all of the user's sockets when
 * `sessionIds` is absent). `alsoShows`: further rooms to reach (an account deletion reaches the rooms whose
 * setlists the user added to). Returns how many sockets were closed; a room that fails is logged, not thrown.
 */
export async function revokeRoomSockets(
  env: Env,
  db: Database,
  log: Logger,
  revocation: SocketRevocation,
  alsoShows: string[] = [],
): Promise<{ rooms: number; closed: number }> {
  if (revocation.sessionIds && revocation.sessionIds.length === 0) return { rooms: 0, closed: 0 };
  const rows = await db.$primary
    .select({ showId: liveRoomUsers.showId })
    .from(liveRoomUsers)
    .where(eq(liveRoomUsers.userId, revocation.userId))
    .orderBy(sql`${liveRoomUsers.seenAt} desc`)
    .limit(MAX_ROOMS);
  const showIds = [...new Set([...rows.map((r) => r.showId), ...alsoShows])];
  const results = await Promise.allSettled(
    showIds.map((showId) =>
      settleWithin<RoomResult<{ closed: number }>>(
        (async () =>
          (await placedRoom(env, showId)).revokeSockets(showId, revocation) as Promise<
            RoomResult<{ closed: number }>
          >)(),
        ROOM_CALL_TIMEOUT_MS,
        'room revokeSockets',
      ),
    ),
  );
  let closed = 0;
  results.forEach((result, i) => {
    if (result.status === 'fulfilled' && result.value.ok) closed += result.value.value.closed;
    else
      log.warn('a room did not confirm the revocation', {
        showId: showIds[i],
        err: result.status === 'rejected' ? result.reason : result.value,
      });
  });
  return { rooms: showIds.length, closed };
}

/** The shows whose predicted setlists the user added songs to (their rooms keep who added each song). */
export async function showsWithSongsAddedBy(db: Database, userId: string): Promise<string[]> {
  const rows = await db.$primary
    .selectDistinct({ showId: setlistSongs.showId })
    .from(setlistSongs)
    .where(eq(setlistSongs.addedBy, userId));
  return rows.map((r) => r.showId);
}
