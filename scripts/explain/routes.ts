/**
 * The api worker's read routes, run in Node against a node-postgres drizzle instance that records every
 * statement they send: the SQL to EXPLAIN is therefore the SQL the route code builds (same schema, same
 * query builder calls, same parameters), not a copy that could drift from it.
 *
 * What differs from the worker: the driver (node-postgres instead of the Neon serverless driver; both are
 * drizzle's pg dialect, so the statement text and parameters are the same), and the middleware around the
 * routes (only the session middleware runs; rate limiting and the response cache never touch Postgres).
 * Analytics events (recordView / recordEvent) go to a stub queue.
 *
 * The route modules are imported at run time through a computed path: they are type-checked by
 * workers/api/tsconfig.json, with the workerd types and the generated `Env` that this Node project does not
 * load, so the types this file relies on are declared here.
 */

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { type PgWithReplicas, withReplicas } from 'drizzle-orm/pg-core';
import { Hono, type MiddlewareHandler } from 'hono';
import type pg from 'pg';
import * as schema from '#shared/db/schema';

const ROOT = resolve(import.meta.dirname, '..', '..');
const API_SRC = resolve(ROOT, 'workers/api/src');

export interface CapturedQuery {
  sql: string;
  params: unknown[];
}

/** The Hono sub-apps of workers/api/src/routes/*.ts that serve the read endpoints. */
const ROUTE_MODULES = [
  ['routes/shows.ts', 'showRoutes'],
  ['routes/artists.ts', 'artistRoutes'],
  ['routes/venues.ts', 'venueRoutes'],
  ['routes/search.ts', 'searchRoutes'],
  ['routes/trending.ts', 'trendingRoutes'],
  ['routes/follows.ts', 'followRoutes'],
  ['routes/forecast.ts', 'forecastRoutes'],
  ['routes/recommendations.ts', 'recommendationRoutes'],
] as const;

async function load<T>(file: string): Promise<Record<string, T>> {
  return (await import(pathToFileURL(resolve(API_SRC, file)).href)) as Record<string, T>;
}

export type RecordingDatabase = NodePgDatabase<typeof schema>;

export interface RouteRunner {
  /** Runs one request through the worker's routes; returns the response and the statements it sent. */
  request(
    path: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: unknown; queries: CapturedQuery[] }>;
  /** Runs `fn` (code given the recording `db`, e.g. the trending cron), recording its statements into `into`. */
  capture<T>(into: CapturedQuery[], fn: () => Promise<T>): Promise<T>;
  /** The recording drizzle instance, as the worker's Database (`$primary`, `$replicas`). */
  db: PgWithReplicas<RecordingDatabase>;
}

/**
 * `client` must be ONE session (a pg.Client), so that everything, the route's statements and the EXPLAINs,
 * can run inside one transaction that the caller rolls back.
 */
export async function routeRunner(client: pg.Client): Promise<RouteRunner> {
  let capturing: CapturedQuery[] | undefined;
  // Handlers send some statements together (Promise.all); one session runs them one after another anyway,
  // and queueing them here keeps node-postgres from warning about overlapping calls on one client.
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (property === 'query') {
        return (...args: unknown[]) => {
          const run = queue.then(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
          queue = run.catch(() => {});
          return run;
        };
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const db = drizzle({
    client: serialized,
    schema,
    logger: { logQuery: (sql, params) => capturing?.push({ sql, params: [...params] }) },
  });
  // The worker's Database: reads through `$replicas`, writes and read-your-writes through `$primary`.
  const database = withReplicas(db, [db]);
  const { session } = await load<() => MiddlewareHandler>('middleware/session/index.ts');
  const app = new Hono();
  app.use('*', async (c, next) => {
    const ctx = c as unknown as { set(key: string, value: unknown): void };
    // The worker's RequestDatabase: `primaryHttp` is the primary over HTTP (the session lookup reads through it).
    ctx.set('database', { db: database, primaryHttp: db, opened: true, close: async () => {} });
    ctx.set('log', {
      debug() {},
      info() {},
      warn() {},
      error() {},
      child() {
        return this;
      },
    });
    await next();
  });
  app.use('*', session!());
  for (const [file, name] of ROUTE_MODULES) {
    const routes = (await load<Hono>(file))[name];
    if (!routes) throw new Error(`workers/api/src/${file} no longer exports ${name}`);
    app.route('/v1', routes);
  }
  app.onError((err, c) =>
    c.json({ error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } }, 500),
  );
  // The bindings the read routes touch: the analytics queue (views, searches).
  const env = { ANALYTICS: { send: async () => {} }, LOG_LEVEL: 'error' };

  return {
    db: database,
    async capture(into, fn) {
      capturing = into;
      try {
        return await fn();
      } finally {
        capturing = undefined;
      }
    },
    async request(path, headers = {}) {
      const queries: CapturedQuery[] = [];
      capturing = queries;
      try {
        const res = await app.request(path, { headers }, env);
        const text = await res.text();
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        return { status: res.status, body, queries };
      } finally {
        capturing = undefined;
      }
    },
  };
}
