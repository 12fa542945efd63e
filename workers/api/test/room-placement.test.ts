/**
 * Where show rooms are reached (src/shared/regions/room-address.ts): the placement is decided once per show from its
 * venue, stored, and every caller reaches the room in that jurisdiction with that location hint. Local workerd
 * refuses `jurisdiction()`, so the callers are given a namespace that records each `jurisdiction()` and `get()` and
 * hands the real (local) objects back: the rooms really answer, and `get(id, { locationHint })` really reaches
 * workerd.
 */
import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, openHttpDatabase } from '#shared/db/client';
import { createLogger } from '#shared/log';
import { forgetRoomAddresses, roomAddressOf } from '#shared/regions/room-address';
import { placeLiveSocket, ROOM_HEADERS, type RoomNamespace } from '#shared/room-rpc';
import { revokeRoomSockets } from '../src/live/room-sockets';
import { recheckRooms } from '../src/recovery/recheck';
import { api, createShow, sql } from './support';

const handle = openDatabase(env);
afterAll(() => handle.close());
const primary = () => openHttpDatabase(env);
const log = createLogger({ service: 'test' }, { level: 'error' });

interface Reached {
  jurisdiction: string | null;
  name: string;
  locationHint: string | undefined;
}

/** A namespace that records how each object was reached; `answer` replaces the real object's stub. */
function recording(real: DurableObjectNamespace, answer?: (name: string) => unknown) {
  const reached: Reached[] = [];
  const names = new Map<string, string>();
  const inside = (jurisdiction: string | null): RoomNamespace => ({
    idFromName(name) {
      const id = real.idFromName(name);
      names.set(id.toString(), name);
      return id;
    },
    get(id, options) {
      const name = names.get(id.toString())!;
      reached.push({ jurisdiction, name, locationHint: options?.locationHint });
      return answer ? answer(name) : real.get(id, options);
    },
    // The EU namespace would hold other objects; locally the same ones stand in for them.
    jurisdiction: (j) => inside(j),
  });
  return { namespace: inside(null), reached };
}

const ON = { ROOM_JURISDICTIONS: 'on' };
const OFF = { ROOM_JURISDICTIONS: 'off' };

async function storedPlacement(showId: string) {
  const [row] = await sql().query(
    'select room_jurisdiction, room_location_hint, room_placed_at is not null as placed from shows where id = $1',
    [showId],
  );
  return row;
}

describe('room placement', () => {
  it("places an EU venue's room in the EU jurisdiction near the venue, once: the switch never moves it after", async () => {
    const { show } = await createShow({ venue: { country: 'PL', city: 'Warsaw', longitude: 21 } });
    expect(await storedPlacement(show.id)).toEqual({
      room_jurisdiction: null,
      room_location_hint: null,
      placed: false,
    });
    expect(await roomAddressOf(primary, show.id, ON)).toEqual({
      showId: show.id,
      jurisdiction: 'eu',
      locationHint: 'eeur',
    });
    expect(await storedPlacement(show.id)).toEqual({
      room_jurisdiction: 'eu',
      room_location_hint: 'eeur',
      placed: true,
    });
    forgetRoomAddresses();
    expect(await roomAddressOf(primary, show.id, OFF)).toMatchObject({ jurisdiction: 'eu' });
  });

  it('with the switch off, an EU room stays outside jurisdictions, and stays there when the switch goes on', async () => {
    const { show } = await createShow({ venue: { country: 'DE', longitude: 13.4 } });
    expect(await roomAddressOf(primary, show.id, OFF)).toEqual({
      showId: show.id,
      jurisdiction: null,
      locationHint: 'weur',
    });
    forgetRoomAddresses();
    expect(await roomAddressOf(primary, show.id, ON)).toMatchObject({ jurisdiction: null });
  });

  it('places a US venue outside jurisdictions, on its side of the continent', async () => {
    const { show } = await createShow({
      venue: { country: 'US', city: 'San Francisco', timeZone: 'America/Los_Angeles', longitude: -122.4 },
    });
    expect(await roomAddressOf(primary, show.id, ON)).toEqual({
      showId: show.id,
      jurisdiction: null,
      locationHint: 'wnam',
    });
  });

  it('two first callers at once store one placement', async () => {
    const { show } = await createShow({ venue: { country: 'FR', longitude: 2.35 } });
    const [a, b] = await Promise.all([roomAddressOf(primary, show.id, ON), roomAddressOf(primary, show.id, OFF)]);
    expect(a).toEqual(b);
  });

  it('the recovery recheck and socket revocation reach each room at its placement, and the rooms answer', async () => {
    const eu = (await createShow({ venue: { country: 'NL', longitude: 4.9 } })).show;
    const us = (await createShow({ venue: { country: 'US', timeZone: 'America/New_York', longitude: -74 } })).show;
    const room = recording(env.SHOW_ROOM);
    const callerEnv = { ...env, ...ON, SHOW_ROOM: room.namespace as unknown as typeof env.SHOW_ROOM };

    const outcome = await recheckRooms(handle.db, callerEnv, {
      showIds: [eu.id, us.id],
      since: new Date(0),
      limit: 10,
    });
    expect(outcome.failed).toEqual([]);
    expect(room.reached).toEqual(
      expect.arrayContaining([
        { jurisdiction: 'eu', name: eu.id, locationHint: 'weur' },
        { jurisdiction: null, name: us.id, locationHint: 'enam' },
      ]),
    );

    room.reached.length = 0;
    const revoked = await revokeRoomSockets(callerEnv, handle.db, log, { userId: crypto.randomUUID() }, [eu.id]);
    expect(revoked.rooms).toBe(1);
    expect(room.reached).toEqual([{ jurisdiction: 'eu', name: eu.id, locationHint: 'weur' }]);
  });

  it("a socket the room hands to a fan-out shard goes to a shard in the room's jurisdiction", async () => {
    const { show } = await createShow({ venue: { country: 'SE', longitude: 18.1 } });
    const address = await roomAddressOf(primary, show.id, ON);
    const room = recording(env.SHOW_ROOM, () => ({
      fetch: async () => new Response(null, { headers: { [ROOM_HEADERS.shard]: '2' } }),
    }));
    const fanout = recording(env.ROOM_FANOUT, () => ({ fetch: async () => new Response('shard', { status: 200 }) }));
    const res = await placeLiveSocket(
      { room: room.namespace, fanout: fanout.namespace },
      address,
      () => new Request('http://room/live'),
    );
    expect(await res.text()).toBe('shard');
    expect(room.reached).toEqual([{ jurisdiction: 'eu', name: show.id, locationHint: 'eeur' }]);
    expect(fanout.reached).toEqual([{ jurisdiction: 'eu', name: `${show.id}#fanout-2`, locationHint: 'eeur' }]);
  });

  it("the api's routes place the room of the show they reach (outside jurisdictions: the switch is off locally)", async () => {
    const { show } = await createShow({ venue: { country: 'AT', longitude: 16.4 } });
    const res = await api(`/v1/shows/${show.id}/setlist`);
    expect(res.status).toBe(200);
    expect(await storedPlacement(show.id)).toEqual({
      room_jurisdiction: null,
      room_location_hint: 'eeur',
      placed: true,
    });
  });
});
