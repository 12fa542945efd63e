/**
 * Fixtures shared by the workerd test projects (api, realtime, queue-consumers): rows written to Postgres through
 * the Neon driver and the local relay, as the workers write them, and a poll for what a queue writes later.
 * Each worker's `test/support.ts` adds what only its own tests need (requests to the api, room sockets).
 */
import { env } from 'cloudflare:workers';
import { openHttpDatabase, openHttpSql } from '#shared/db/client';
import * as schema from '#shared/db/schema';
import { DAY_MS } from '#shared/time';

export function testDb() {
  return openHttpDatabase(env);
}

export function sql() {
  return openHttpSql(env);
}

/** An artist with a catalogue, a venue and an upcoming show whose voting window is open now. */
export async function createShow(
  opts: {
    songs?: number;
    votingOpen?: boolean;
    status?: 'upcoming' | 'live' | 'completed' | 'cancelled';
    /** Where the venue is (default: Berlin, without coordinates). */
    venue?: { country: string; city?: string; timeZone?: string; longitude?: number };
  } = {},
) {
  const db = testDb();
  const tag = crypto.randomUUID().slice(0, 8);
  const [artist] = await db
    .insert(schema.artists)
    .values({ slug: `artist-${tag}`, name: `Artist ${tag}`, genres: ['rock'] })
    .returning();
  const songs = await db
    .insert(schema.songs)
    .values(
      Array.from({ length: opts.songs ?? 5 }, (_, i) => ({ artistId: artist!.id, title: `Song ${i + 1} ${tag}` })),
    )
    .returning();
  const [venue] = await db
    .insert(schema.venues)
    .values({
      slug: `venue-${tag}`,
      name: `Venue ${tag}`,
      city: opts.venue?.city ?? 'Berlin',
      country: opts.venue?.country ?? 'DE',
      timeZone: opts.venue?.timeZone ?? 'Europe/Berlin',
      longitude: opts.venue?.longitude ?? null,
    })
    .returning();
  const now = Date.now();
  const open = opts.votingOpen ?? true;
  const [show] = await db
    .insert(schema.shows)
    .values({
      slug: `show-${tag}`,
      artistId: artist!.id,
      venueId: venue!.id,
      startsAt: new Date(now + 7 * DAY_MS),
      status: opts.status ?? 'upcoming',
      votingOpensAt: new Date(open ? now - DAY_MS : now + DAY_MS),
      votingClosesAt: new Date(now + 7 * DAY_MS),
    })
    .returning();
  return { artist: artist!, songs, venue: venue!, show: show! };
}

/** A show that has been played: completed, its voting window closed at its start. */
export async function insertCompletedShow(fields: { slug: string; artistId: string; venueId: string; startsAt: Date }) {
  const [show] = await testDb()
    .insert(schema.shows)
    .values({
      ...fields,
      status: 'completed',
      votingOpensAt: new Date(fields.startsAt.getTime() - DAY_MS),
      votingClosesAt: fields.startsAt,
    })
    .returning();
  return show!;
}

/** Users straight into Postgres (no sign-up round trip), for tests that need many recipients. */
export async function insertUsers(count: number, tag = crypto.randomUUID().slice(0, 8)): Promise<string[]> {
  const rows = (await sql().query(
    `insert into users (email, password_hash, display_name) select 'bulk-' || $2 || '-' || g || '@example.test', '!', 'Bulk ' || g from generate_series(1, $1::int) g returning id`,
    [count, tag],
  )) as { id: string }[];
  return rows.map((r) => r.id);
}

/** The event id the system derives for a trigger (md5 of its key, as src/shared/notifications/enqueue.ts). */
export async function eventIdOf(key: string): Promise<string> {
  const rows = (await sql().query('select md5($1)::uuid::text as id', [key])) as { id: string }[];
  return rows[0]!.id;
}

/** Polls until `check` returns a value other than undefined, e.g. until the queue consumer has written. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Fault switches of the local relay (scripts/local-db): the database as the workers see it. */
export async function relayFaults(faults: { failSql?: number; match?: string; down?: boolean }): Promise<void> {
  const res = await fetch(`http://${env.DB_RELAY}/__relay/faults`, { method: 'POST', body: JSON.stringify(faults) });
  if (!res.ok) throw new Error(`relay faults: ${res.status}`);
}
