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
  ) {}

  get db(): Database {
    // Every round trip goes through the isolate's circuit breaker and timeout (resilience/database-breaker.ts).
    this.#handle ??= openDatabase(this.env, (err) => this.log.warn('database pool error', { err }), {
      guard: databaseBreaker(this.env),
    });
    return this.#handle.db;
  }

  #primaryReads: ReadDatabase | undefined;

  /** The primary over SQL over HTTP (reads that must see the latest write, single statements): no WebSocket. */
  get primaryReads(): ReadDatabase {
    this.#primaryReads ??= openHttpDatabase(this.env, { guard: databaseBreaker(this.env) });
    return this.#primaryReads;
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
    const requestDatabase = new RequestDatabase(c.env, c.get('log'));
    c.set('database', requestDatabase);
    try {
      await next();
    } finally {
      if (!requestDatabase.opened) return;
      // A WebSocket upgrade response or a test harness may have no execution context to wait on.
      const closing = requestDatabase.close();
      try {
        c.executionCtx.waitUntil(closing);
      } catch {
        await closing;
      }
    }
  });
