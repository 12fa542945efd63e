import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import {
  type Database,
  type DatabaseHandle,
  openDatabase,
  openHttpDatabase,
  type ReadDatabase,
} from '#shared/db/client';
import type { Logger } from '#shared/log';
import type { AppEnv } from '../../app-env';
import { databaseBreaker } from '../../resilience/database-breaker';

/**
 * Opens the database on first use only, so routes that never touch Postgres (WebSocket hand-off,
 * static pages) pay nothing, and closes it after the response is sent.
 */
export class RequestDatabase {
  #handle: DatabaseHandle | undefined;

  constructor(
    private readonly env: Env,
    private readonly log: Logger,
    /** The request's continent (`request.cf.continent`): reads go to a replica of that region when there is one. */
    private readonly near: string | null = null,
  ) {}

  get db(): Database {
    // Every round trip goes through the isolate's circuit breaker and timeout (resilience/database-breaker.ts).
    this.#handle ??= openDatabase(this.env, (err) => this.log.warn('database pool error', { err }), {
      guard: databaseBreaker(this.env),
      near: this.near,
    });
    return this.#handle.db;
  }

  #primaryHttp: ReadDatabase | undefined;

  /**
   * The primary over SQL over HTTP, one statement per round trip and no WebSocket: reads that must see the latest
   * write, and single-statement writes on hot paths (a WebSocket connection costs a handshake and an auth first).
   */
  get primaryHttp(): ReadDatabase {
    this.#primaryHttp ??= openHttpDatabase(this.env, { guard: databaseBreaker(this.env) });
    return this.#primaryHttp;
  }

  #eu: ReadDatabase | undefined;

  /**
   * The EU database of per-fan residency (DATABASE_URL_EU) over SQL over HTTP, or null when none is configured:
   * EU fans' accounts and sessions (workers/api/src/residency). One statement per round trip.
   */
  get eu(): ReadDatabase | null {
    if (!this.env.DATABASE_URL_EU) return null;
    this.#eu ??= openHttpDatabase(this.env, { url: this.env.DATABASE_URL_EU, guard: databaseBreaker(this.env) });
    return this.#eu;
  }

  get opened(): boolean {
    return this.#handle !== undefined;
  }

  close(): Promise<void> {
    return this.#handle?.close() ?? Promise.resolve();
  }
}

export const database = () =>
  createMiddleware<AppEnv>(async function database(c, next) {
    const continent = (c.req.raw.cf as { continent?: string } | undefined)?.continent ?? null;
    const requestDatabase = new RequestDatabase(c.env, c.get('log'), continent);
    c.set('database', requestDatabase);
    try {
      await next();
    } finally {
      if (requestDatabase.opened) await closeAfterResponse(c, requestDatabase);
    }
  });

/** Closes the request's pool once the response is sent; a WebSocket upgrade or a test harness may have no context. */
async function closeAfterResponse(c: Context<AppEnv>, requestDatabase: RequestDatabase): Promise<void> {
  const closing = requestDatabase.close();
  try {
    c.executionCtx.waitUntil(closing);
  } catch {
    await closing;
  }
}
