/**
 * The room of a show that exists. A Durable Object is created by its first request: routing any well-formed UUID to
 * `idFromName` woke a new room, which created its tables and asked Postgres for a show that is not there. So every
 * route that reaches a room by a client-given show id (the WebSocket upgrade, the setlist, votes and the lock)
 * checks the show first, through a small per-isolate cache: a known show costs nothing, an unknown id one indexed
 * read, and never a room.
 */
import { eq } from 'drizzle-orm';
import type { Context } from 'hono';
import { LRUCache } from 'lru-cache';
import type { Database } from '#shared/db/client';
import { shows } from '#shared/db/schema';
import { errors } from '#shared/errors';
import { roomAddressOf } from '#shared/regions/room-address';
import { type RoomAddress, type ShowRoomStub, showRoomStub } from '#shared/room-rpc';
import type { AppEnv } from '../app-env';

/** A show, once seen, is remembered for long: shows are not deleted while fans use them. */
const EXISTS_TTL_MS = 10 * 60_000;
/** An unknown id briefly: a show created a moment ago must become reachable within seconds. */
const MISSING_TTL_MS = 5000;

// Same settings as cache/memory.ts: no timers (workerd ties them to the request that set them).
const known = new LRUCache<string, boolean>({ max: 20_000, ttlResolution: 0, perf: { now: () => Date.now() } });

async function showExists(db: Database, showId: string): Promise<boolean> {
  const find = (reader: Database | Database['$primary']) =>
    reader.select({ id: shows.id }).from(shows).where(eq(shows.id, showId)).limit(1);
  // A replica may not have a show created a moment ago yet: a miss there asks the primary.
  return (await find(db)).length > 0 || (await find(db.$primary)).length > 0;
}

/**
 * The address of an existing show's room (its jurisdiction and location hint, src/shared/regions/room-address.ts),
 * or 404 `not_found`. If Postgres cannot answer, the request goes on to the room, which checks the show itself: a
 * database outage must not take the live rooms down with it.
 */
export async function showRoomAddressOf(c: Context<AppEnv>, showId: string): Promise<RoomAddress> {
  let exists = known.get(showId);
  if (exists === undefined) {
    try {
      exists = await showExists(c.var.database.db, showId);
      known.set(showId, exists, { ttl: exists ? EXISTS_TTL_MS : MISSING_TTL_MS });
    } catch (err) {
      c.var.log.warn('show existence check failed; asking the room', { showId, err });
      exists = true;
    }
  }
  if (!exists) throw errors.notFound('show');
  return roomAddressOf(() => c.var.database.primaryHttp, showId, c.env);
}

/** The stub of an existing show's room, at its address; 404 `not_found` for an unknown show. */
export async function showRoomOf(c: Context<AppEnv>, showId: string): Promise<ShowRoomStub> {
  return showRoomStub(c.env.SHOW_ROOM, await showRoomAddressOf(c, showId));
}
