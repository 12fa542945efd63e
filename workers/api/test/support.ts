/**
 * Test helpers: requests go through the real api worker (`exports.default.fetch`), and fixtures are
 * written to Postgres through the Neon driver and the local relay, like the workers do.
 */
import { env, exports } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { openHttpDatabase, openHttpSql } from '#shared/db/client';
import * as schema from '#shared/db/schema';
import type { SessionCreated } from '#shared/schemas/auth';

export const BASE = 'http://mysetlist.test';

/** The api worker's own default export, as the pool loads it from wrangler.toml's `main`. */
const worker = (exports as unknown as { default: Fetcher }).default;

export function api(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
  if (init.body !== undefined && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  return worker.fetch(new Request(`${BASE}${path}`, { ...init, headers }));
}

export function testDb() {
  return openHttpDatabase(env);
}

export function sql() {
  return openHttpSql(env);
}

let counter = 0;
export function uniqueEmail(prefix = 'fan'): string {
  return `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}-${crypto.randomUUID().slice(0, 6)}@example.test`;
}

export async function signUp(
  overrides: Partial<{ email: string; password: string; displayName: string }> = {},
): Promise<SessionCreated & { password: string }> {
  const body = { email: uniqueEmail(), password: 'correct horse battery', ...overrides };
  const res = await api('/v1/auth/signup', { method: 'POST', body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  return { ...((await res.json()) as SessionCreated), password: body.password };
}

/** An artist with a catalogue, a venue and an upcoming show whose voting window is open now. */
export async function createShow(
  opts: { songs?: number; votingOpen?: boolean; status?: 'upcoming' | 'live' | 'completed' | 'cancelled' } = {},
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
    .values({ slug: `venue-${tag}`, name: `Venue ${tag}`, city: 'Berlin', country: 'DE', timeZone: 'Europe/Berlin' })
    .returning();
  const now = Date.now();
  const open = opts.votingOpen ?? true;
  const [show] = await db
    .insert(schema.shows)
    .values({
      slug: `show-${tag}`,
      artistId: artist!.id,
      venueId: venue!.id,
      startsAt: new Date(now + 7 * 86_400_000),
      status: opts.status ?? 'upcoming',
      votingOpensAt: new Date(open ? now - 86_400_000 : now + 86_400_000),
      votingClosesAt: new Date(now + 7 * 86_400_000),
    })
    .returning();
  return { artist: artist!, songs, venue: venue!, show: show! };
}

export async function errorOf(res: Response): Promise<{ code: string; message: string; details?: unknown }> {
  const body = (await res.json()) as { error: { code: string; message: string; details?: unknown } };
  return body.error;
}

/** A fan's WebSocket to a show's room, through the api worker, with a queue of received messages. */
export async function connectRoom(showId: string, opts: { token?: string; since?: number } = {}) {
  const url = new URL(`${BASE}/v1/shows/${showId}/live`);
  if (opts.since !== undefined) url.searchParams.set('since', String(opts.since));
  const headers = new Headers({ Upgrade: 'websocket' });
  if (opts.token) headers.set('Authorization', `Bearer ${opts.token}`);
  const res = await worker.fetch(new Request(url, { headers }));
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
  const ws = res.webSocket;
  ws.accept();
  const inbox: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  ws.addEventListener('message', (event) => {
    inbox.push(JSON.parse(String(event.data)) as Record<string, unknown>);
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    ws,
    inbox,
    send: (message: unknown) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    /** Waits for (and removes) the first message matching `match`. */
    async next<T = Record<string, unknown>>(
      match: (m: Record<string, unknown>) => boolean = () => true,
      timeoutMs = 5000,
    ): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = inbox.findIndex(match);
        if (index >= 0) return inbox.splice(index, 1)[0] as T;
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`no matching message in ${timeoutMs} ms; inbox: ${JSON.stringify(inbox).slice(0, 500)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    close: () => ws.close(1000, 'test done'),
  };
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

/** Signs up a user and gives them a role directly in the database (roles have no public endpoint yet). */
export async function signUpAs(role: 'moderator' | 'admin') {
  const account = await signUp();
  await testDb().update(schema.users).set({ role }).where(eq(schema.users.id, account.user.id));
  return account;
}
