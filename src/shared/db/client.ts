/**
 * The database client: a primary plus zero or more read replicas, through the Neon serverless driver.
 *
 * Reads on `db` (select, `$count`, `with`, relational `db.query`) go over SQL over HTTP (`neon()`, drizzle's
 * neon-http driver) to a replica, or to the primary itself when no replica is configured (no lag then, so a
 * request still reads its own writes). Each HTTP query is one round trip on a connection the proxy pools (Neon,
 * or the local relay), instead of a new Postgres connection per request. Writes, `db.execute`, `db.$primary`
 * and transactions go to the primary over a WebSocket `Pool`, which connects on its first query only: a
 * read-only request opens no WebSocket at all. `db.$primary` is how a request reads its own writes.
 *
 * Workers cannot reuse a socket across requests ("Cannot perform I/O on behalf of a different request"),
 * so a Database lives for one request or one queue batch and must be closed with `ctx.waitUntil(close())`.
 */
import { type CustomTypesConfig, type NeonQueryFunction, neon, Pool, types } from '@neondatabase/serverless';
import {
  createTableRelationsHelpers,
  type ExtractTablesWithRelations,
  extractTablesRelationalConfig,
  type RelationalSchemaConfig,
} from 'drizzle-orm';
import { NeonHttpDatabase, NeonHttpDriver } from 'drizzle-orm/neon-http';
import { NeonDatabase, NeonDriver } from 'drizzle-orm/neon-serverless';
import { type PgDatabase, PgDialect, type PgQueryResultHKT, withReplicas } from 'drizzle-orm/pg-core';
import { type DatabaseGuard, guardPool, guardSql } from './guarded-pool';
import { configureNeon } from './neon-config';
import * as schema from './schema';
import { composeGuards, type SlowStatementEnv, slowStatementGuardOf } from './slow-statements';

export type { DatabaseGuard } from './guarded-pool';

export interface DatabaseEnv extends SlowStatementEnv {
  DATABASE_URL: string;
  /** Comma-separated replica URLs; empty or absent means every read goes to the primary. */
  DATABASE_REPLICA_URLS?: string;
  /** host:port of the local Neon relay (development and tests only). */
  DB_RELAY?: string;
  /**
   * The region of each replica URL, in the same order, as Cloudflare continent codes (`eu,na`): a request reads
   * from the replicas of its own continent when there are any (docs/operations.md, "Regions and residency").
   */
  DATABASE_REPLICA_REGIONS?: string;
}

export type Schema = typeof schema;
/** The primary, over a WebSocket Pool: writes, transactions, raw `execute`, reads that must see a write. */
export type PrimaryDatabase = NeonDatabase<Schema>;
/** A replica (or the primary) over SQL over HTTP: reads only; `transaction()` throws. */
export type ReadDatabase = NeonHttpDatabase<Schema>;
/**
 * Either driver, for code that runs single statements on whichever database holds the rows (per-fan residency:
 * the primary's pool, or the EU database over HTTP). `transaction()` throws on the HTTP one.
 */
export type AnyDatabase = PgDatabase<PgQueryResultHKT, Schema>;
/**
 * drizzle's `PgWithReplicas<PrimaryDatabase>`, except that the replicas are what they are: HTTP databases.
 * The methods withReplicas sends to a replica (`ReplicaRouted`) have the same types on both drivers.
 */
export type Database = PrimaryDatabase & { $primary: PrimaryDatabase; $replicas: ReadDatabase[] };

export interface DatabaseHandle {
  db: Database;
  /** Ends every pool this handle opened. Safe to call more than once. */
  close(): Promise<void>;
}

export function replicaUrls(env: DatabaseEnv, near?: string | null): string[] {
  const urls = list(env.DATABASE_REPLICA_URLS);
  const regions = list(env.DATABASE_REPLICA_REGIONS).map((r) => r.toLowerCase());
  if (!near || regions.length !== urls.length) return urls;
  const nearest = urls.filter((_, i) => regions[i] === near.toLowerCase());
  return nearest.length ? nearest : urls;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

export interface OpenDatabaseOptions {
  /** Runs every round trip of the handle's pools (e.g. a circuit breaker and a timeout): see guarded-pool.ts. */
  guard?: DatabaseGuard;
  /** The caller's continent (`request.cf.continent`): reads prefer the replicas of that region. */
  near?: string | null;
}

export function openDatabase(
  env: DatabaseEnv,
  onError: (err: Error) => void = () => {},
  options: OpenDatabaseOptions = {},
): DatabaseHandle {
  configureNeon(env.DB_RELAY);
  let closing = false;
  // One connection: a request's queries share it (Promise.all queues them), because opening a Postgres
  // connection costs far more than a query. The Pool connects on its first query, not here.
  const pool = new Pool({ connectionString: env.DATABASE_URL, max: 1 });
  // Idle clients report "Network connection lost" after end(); an unhandled 'error' would crash the
  // isolate, and once we are closing such errors are expected and not worth a log line.
  pool.on('error', (err: Error) => {
    if (!closing) onError(err);
  });
  // The slow-statement timer inside the breaker: it measures Postgres, not a refusal of an open circuit.
  const guard = composeGuards(options.guard, slowStatementGuardOf(env));
  if (guard) guardPool(pool, guard);
  const primary = poolDatabase(pool);
  const urls = replicaUrls(env, options.near);
  const replicas = (urls.length ? urls : [env.DATABASE_URL]).map((url) =>
    openHttpDatabase(env, { url, guard: options.guard }),
  ) as [ReadDatabase, ...ReadDatabase[]];
  const db = routeReads(primary, replicas);
  let closed: Promise<void> | undefined;
  return {
    db,
    close: () => {
      closing = true;
      return (closed ??= pool.end().catch(() => {}));
    },
  };
}

/** What drizzle's `withReplicas` sends to a replica; everything else goes to the primary. */
type ReplicaRouted = 'select' | 'selectDistinct' | 'selectDistinctOn' | '$count' | '$with' | 'query';

/**
 * drizzle's `withReplicas` over HTTP replicas. It is typed for replicas of the primary's own type, so the
 * replicas are passed as that type: sound for what it routes to them (`ReplicaRouted`, checked here; not
 * `with()`, whose `update`/`insert`/`delete` would be typed by the replica's driver and which we only use on
 * `$primary`), and `$replicas` is then stated as what it is.
 */
function routeReads(primary: PrimaryDatabase, replicas: [ReadDatabase, ...ReadDatabase[]]): Database {
  replicas satisfies Pick<PrimaryDatabase, ReplicaRouted>[];
  const db = withReplicas(primary, replicas as unknown as [PrimaryDatabase, ...PrimaryDatabase[]]);
  // The same array withReplicas holds, assigned again so that its type is the replicas' own.
  return Object.assign(db, { $replicas: replicas });
}

/**
 * The OIDs drizzle reads as Postgres' text (timestamps, dates, intervals and their arrays, numeric[]) and maps
 * itself. Its neon-serverless driver asks for that per query; its neon-http driver instead changes the
 * driver's global type parsers when an instance is made, which would change what every other `neon()` and
 * Pool query of the isolate returns (e.g. the queue consumers' raw SQL would get strings instead of Dates).
 */
const DRIZZLE_TEXT_OIDS = [1184, 1114, 1082, 1186, 1231, 1115, 1185, 1187, 1182];
const drizzleTypes: CustomTypesConfig = {
  getTypeParser: (oid, format) =>
    DRIZZLE_TEXT_OIDS.includes(oid) ? (value: string) => value : types.getTypeParser(oid, format),
};

/**
 * drizzle's neon-http driver on `url` (default: the primary): each query is one HTTP round trip, through
 * `guard` when given; no transactions. The text parsing drizzle needs is asked for per query, and the
 * driver's global type parsers are left as they were.
 */
export function openHttpDatabase(
  env: DatabaseEnv,
  { url = env.DATABASE_URL, guard }: { url?: string; guard?: DatabaseGuard | undefined } = {},
): NeonHttpDatabase<Schema> {
  configureNeon(env.DB_RELAY);
  const sql = neon(url);
  const client = new Proxy(sql, {
    get(target, property) {
      if (property !== 'query') return Reflect.get(target, property, target) as unknown;
      const query: typeof sql.query = (text, params, queryOptions) =>
        target.query(text, params, { ...queryOptions, types: drizzleTypes });
      return query;
    },
  });
  const saved = DRIZZLE_TEXT_OIDS.map(
    (oid) => [oid, types.getTypeParser(oid, 'text') as (value: string) => unknown] as const,
  );
  const timed = composeGuards(guard, slowStatementGuardOf(env));
  try {
    return httpDatabase(timed ? guardSql(client, timed) : client);
  } finally {
    for (const [oid, parse] of saved) types.setTypeParser(oid, parse);
  }
}

/**
 * What drizzle's own `drizzle({ client, schema })` builds, with the schema's relations worked out once per isolate:
 * drizzle works them out on every call (a walk over every table and relation, about half a millisecond), and a
 * request opens up to three databases (the primary, a replica, the primary over HTTP).
 */
let relations: RelationalSchemaConfig<ExtractTablesWithRelations<Schema>> | undefined;
function schemaRelations(): RelationalSchemaConfig<ExtractTablesWithRelations<Schema>> {
  if (!relations) {
    const config = extractTablesRelationalConfig<ExtractTablesWithRelations<Schema>>(
      schema,
      createTableRelationsHelpers,
    );
    relations = { fullSchema: schema, schema: config.tables, tableNamesMap: config.tableNamesMap };
  }
  return relations;
}

function poolDatabase(pool: Pool): PrimaryDatabase {
  const dialect = new PgDialect();
  const session = new NeonDriver(pool, dialect).createSession(schemaRelations());
  return Object.assign(new NeonDatabase<Schema>(dialect, session, schemaRelations()), { $client: pool });
}

function httpDatabase(client: NeonQueryFunction<false, false>): ReadDatabase {
  const dialect = new PgDialect();
  const session = new NeonHttpDriver(client, dialect).createSession(schemaRelations());
  return Object.assign(new NeonHttpDatabase<Schema>(dialect, session, schemaRelations()), { $client: client });
}

/**
 * One-shot HTTP queries: one round trip each, and `transaction([...])` sends a whole batch in one request. Round
 * trips slower than SLOW_STATEMENT_MS are logged (slow-statements.ts).
 */
export function openHttpSql(env: DatabaseEnv): NeonQueryFunction<false, false> {
  configureNeon(env.DB_RELAY);
  const sql = neon(env.DATABASE_URL);
  const slow = slowStatementGuardOf(env);
  return slow ? guardSql(sql, slow) : sql;
}

export type { PgDatabase };
