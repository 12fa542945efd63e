/**
 * Test helpers: requests go through the real api worker (`exports.default.fetch`), and fixtures are
 * written to Postgres through the Neon driver and the local relay, like the workers do.
 */
import { exports } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import * as schema from '#shared/db/schema';
import type { SessionCreated } from '#shared/schemas/auth';
import { testDb } from '../../../test/support/database';

export { createShow, eventually, relayFaults, sql, testDb } from '../../../test/support/database';

export const BASE = 'http://mysetlist.test';

/** The api worker's own default export, as the pool loads it from wrangler.toml's `main`. */
const worker = (exports as unknown as { default: Fetcher }).default;

export function api(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
  if (init.body !== undefined && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  return worker.fetch(new Request(`${BASE}${path}`, { ...init, headers }));
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

/** DELETE /v1/me: erases the signed-in account, confirmed by its password (and a recovery code under MFA). */
export function deleteAccount(
  token: string,
  password: string,
  mfa: { recoveryCode?: string | undefined } = {},
): Promise<Response> {
  return api('/v1/me', { method: 'DELETE', token, body: JSON.stringify({ password, ...mfa }) });
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

/** `connectRoom`, once the room's snapshot has arrived (and been taken from the inbox). */
export async function joinRoom(showId: string, opts: { token?: string; since?: number } = {}) {
  const room = await connectRoom(showId, opts);
  await room.next((m) => m.type === 'snapshot');
  return room;
}

/** Signs up a user and gives them a role directly in the database (roles have no public endpoint yet). */
export async function signUpAs(role: 'moderator' | 'admin') {
  const account = await signUp();
  await testDb().update(schema.users).set({ role }).where(eq(schema.users.id, account.user.id));
  return account;
}
