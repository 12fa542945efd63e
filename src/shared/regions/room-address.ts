/**
 * Where each show's live room runs, decided once per show and kept (docs/operations.md, "Regions and residency").
 *
 * A Durable Object in a jurisdiction is another object than the one of the same name outside it, so every caller
 * of a show's room (the api routes and crons, the queue consumers, the fan-out shards) must reach it in the same
 * jurisdiction. The decision is therefore stored with the show (`shows.room_*`) the first time any caller needs the
 * room, from the venue (`roomPlacement`) and the switch `ROOM_JURISDICTIONS`, and read back by everyone after:
 * flipping the switch places the rooms of shows placed from then on, and never moves a room that exists.
 *
 * `ROOM_JURISDICTIONS` is off in local development and the tests, because local workerd refuses `jurisdiction()`
 * ("not implemented"); `npm run deploy` sets it to `on`. Location hints are passed either way (workerd ignores them).
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import { type DatabaseEnv, openHttpDatabase, type ReadDatabase } from '../db/client';
import { shows, venues } from '../db/schema';
import { type RoomAddress, type RoomNamespace, type ShowRoomStub, showRoomStub } from '../room-rpc';
import { roomPlacement } from './placement';

export interface RoomPlacementEnv {
  /** `on`: shows at EU/EEA venues get their room in the EU jurisdiction. Anything else: no jurisdictions. */
  ROOM_JURISDICTIONS?: string;
}

export function jurisdictionsOn(env: RoomPlacementEnv): boolean {
  return env.ROOM_JURISDICTIONS === 'on';
}

// A placement never changes once stored, so a known one is kept until evicted. No timers (as cache/memory.ts).
const known = new LRUCache<string, RoomAddress>({ max: 20_000, ttlResolution: 0, perf: { now: () => Date.now() } });

/** Forgets what this isolate knows (tests that place one show under both settings of the switch). */
export function forgetRoomAddresses(): void {
  known.clear();
}

const stored = {
  placedAt: shows.roomPlacedAt,
  jurisdiction: shows.roomJurisdiction,
  locationHint: shows.roomLocationHint,
};

function addressFrom(showId: string, row: { jurisdiction: 'eu' | null; locationHint: string | null }): RoomAddress {
  return {
    showId,
    jurisdiction: row.jurisdiction,
    locationHint: row.locationHint as DurableObjectLocationHint | null,
  };
}

/**
 * The address of a show's room: the stored placement, or (the first time) the venue's, stored now. The first
 * caller to store it wins; a concurrent one reads the winner's. An unknown show gets the address of a room outside
 * any jurisdiction, as before placements existed (the room itself then finds no show in Postgres).
 *
 * Reads the primary (`open`: over SQL over HTTP, asked only on a miss of this isolate's cache), because a show created a
 * moment ago must be placed the same by everyone. When Postgres cannot answer and jurisdictions are off, every room is outside them anyway, so the room is still reachable (only its
 * location hint is missing); with jurisdictions on the error is thrown, because the room's identity is unknown.
 */
export async function roomAddressOf(
  open: () => ReadDatabase,
  showId: string,
  env: RoomPlacementEnv,
): Promise<RoomAddress> {
  const cached = known.get(showId);
  if (cached) return cached;
  const on = jurisdictionsOn(env);
  let address: RoomAddress | null;
  try {
    address = await lookUp(open(), showId, on);
  } catch (err) {
    if (on) throw err;
    return { showId, jurisdiction: null, locationHint: null };
  }
  if (!address) return { showId, jurisdiction: null, locationHint: null };
  known.set(showId, address);
  return address;
}

async function lookUp(db: ReadDatabase, showId: string, jurisdictions: boolean): Promise<RoomAddress | null> {
  const [row] = await db
    .select({ ...stored, country: venues.country, longitude: venues.longitude })
    .from(shows)
    .innerJoin(venues, eq(venues.id, shows.venueId))
    .where(eq(shows.id, showId))
    .limit(1);
  if (!row) return null;
  if (row.placedAt) return addressFrom(showId, row);
  const placement = roomPlacement({ country: row.country, longitude: row.longitude });
  const [placed] = await db
    .update(shows)
    .set({
      roomJurisdiction: jurisdictions ? placement.jurisdiction : null,
      roomLocationHint: placement.locationHint,
      roomPlacedAt: sql`now()`,
    })
    .where(and(eq(shows.id, showId), isNull(shows.roomPlacedAt)))
    .returning(stored);
  if (placed) return addressFrom(showId, placed);
  const [winner] = await db.select(stored).from(shows).where(eq(shows.id, showId)).limit(1);
  return winner ? addressFrom(showId, winner) : null;
}

/**
 * The one way the api and queue workers reach a show's room: at its stored address. `open`: the primary over HTTP
 * (the api passes its request's, which goes through the circuit breaker).
 */
export async function placedRoom(
  env: RoomPlacementEnv & DatabaseEnv & { SHOW_ROOM: RoomNamespace },
  showId: string,
  open: () => ReadDatabase = () => openHttpDatabase(env),
): Promise<ShowRoomStub> {
  return showRoomStub(env.SHOW_ROOM, await roomAddressOf(open, showId, env));
}
