/**
 * The database client: a primary plus zero or more read replicas, through the Neon serverless driver.
 *
 * Workers cannot reuse a socket across requests ("Cannot perform I/O on behalf of a different request"),
 * so a Database lives for one request or one queue batch and must be closed with `ctx.waitUntil(close())`.
 * Reads on `db` go to a replica when there is one; `db.$primary` and transactions go to the primary,
 * which is how a request reads its own writes.
 */
import { neon, Pool, type NeonQueryFunction } from '@neondatabase/serverless';
import { drizzle, type NeonDatabase } from 'drizzle-orm/neon-serverless';
import { withReplicas, type PgDatabase, type PgWithReplicas } from 'drizzle-orm/pg-core';
import * as schema from './schema';
import { configureNeon } from './neon-config';
import { guardPool, type DatabaseGuard } from './guarded-pool';

export type { DatabaseGuard } from './guarded-pool';

export interface DatabaseEnv {
  DATABASE_URL: string;
  /** Comma-separated replica URLs; empty or absent means every read goes to the primary. */
  DATABASE_REPLICA_URLS?: string;
  /** host:port of the local Neon relay (development and tests only). */
  DB_RELAY?: string;
}

export type Schema = typeof schema;
export type PrimaryDatabase = NeonDatabase<Schema>;
export type Database = PgWithReplicas<PrimaryDatabase>;

export interface DatabaseHandle {
  db: Database;
  /** Ends every pool this handle opened. Safe to call more than once. */
  close(): Promise<void>;
}

export function replicaUrls(env: DatabaseEnv): string[] {
  return (env.DATABASE_REPLICA_URLS ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
}

export interface OpenDatabaseOptions {
  /** Runs every round trip of the handle's pools (e.g. a circuit breaker and a timeout): see guarded-pool.ts. */
  guard?: DatabaseGuard;
}

export function openDatabase(env: DatabaseEnv, onError: (err: Error) => void = () => {}, options: OpenDatabaseOptions = {}): DatabaseHandle {
  configureNeon(env.DB_RELAY);
  const pools: Pool[] = [];
  let closing = false;
  const connect = (connectionString: string): PrimaryDatabase => {
    // One connection per pool: a request's queries share it (Promise.all queues them), because opening a
    // Postgres connection costs far more than a query — bench:read measured ~12 ms of a 24 ms show page
    // spent opening the 2 connections its parallel queries caused, against 0.2 ms of query execution.
    const pool = new Pool({ connectionString, max: 1 });
    // Idle clients report "Network connection lost" after end(); an unhandled 'error' would crash the
    // isolate, and once we are closing such errors are expected and not worth a log line.
    pool.on('error', (err: Error) => {
      if (!closing) onError(err);
    });
    if (options.guard) guardPool(pool, options.guard);
    pools.push(pool);
    return drizzle({ client: pool, schema });
  };
  const primary = connect(env.DATABASE_URL);
  const replicas = replicaUrls(env).map(connect);
  const db = withReplicas(primary, (replicas.length ? replicas : [primary]) as [PrimaryDatabase, ...PrimaryDatabase[]]);
  let closed: Promise<void> | undefined;
  return {
    db,
    close: () => {
      closing = true;
      return (closed ??= Promise.all(pools.map((p) => p.end().catch(() => {}))).then(() => {}));
    },
  };
}

/** One-shot HTTP queries: one round trip each, and `transaction([...])` sends a whole batch in one request. */
export function openHttpSql(env: DatabaseEnv): NeonQueryFunction<false, false> {
  configureNeon(env.DB_RELAY);
  return neon(env.DATABASE_URL);
}

export type { PgDatabase };
