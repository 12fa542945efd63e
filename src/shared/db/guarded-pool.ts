/**
 * A hook around every round trip a Neon `Pool` (WebSocket) or `neon()` query function (SQL over HTTP) makes,
 * so that policies such as a circuit breaker and a query timeout apply to all database use of a worker
 * without touching the code that queries.
 */
import type { NeonQueryFunction, Pool, PoolClient } from '@neondatabase/serverless';

/** Runs one database round trip (a pooled query, checking out a connection for a transaction, one HTTP request). */
export interface DatabaseGuard {
  /** `statement`: the SQL text of the round trip when it is known (for the slow-statement log). */
  run<T>(roundTrip: () => Promise<T>, statement?: string): Promise<T>;
}

/** The SQL text of a pg-style query call: `query(text, …)` or `query({ text, … })`. */
function statementOf(args: unknown[]): string | undefined {
  const first = args[0];
  if (typeof first === 'string') return first;
  const text = (first as { text?: unknown } | undefined)?.text;
  return typeof text === 'string' ? text : undefined;
}

type AnyFunction = (...args: unknown[]) => unknown;

/** Callback-style calls and streams (`Submittable`) are passed through: pg-pool uses them internally. */
function isPromiseCall(args: unknown[]): boolean {
  const first = args[0] as { submit?: unknown } | undefined;
  return typeof args.at(-1) !== 'function' && typeof first?.submit !== 'function';
}

/**
 * Routes `pool.query()` and `pool.connect()` (promise style, which drizzle uses) through `guard`, in place:
 * the pool stays a `Pool`, which drizzle checks for transactions. A client handed out by `connect()` is
 * wrapped so that each of its queries goes through the guard too. When the guard gives up on a
 * connection attempt (a timeout), the connection is released with an error if it arrives later.
 */
export function guardPool(pool: Pool, guard: DatabaseGuard): void {
  const query = pool.query.bind(pool) as AnyFunction;
  const connect = pool.connect.bind(pool) as AnyFunction;
  pool.query = ((...args: unknown[]) =>
    isPromiseCall(args)
      ? guard.run(() => query(...args) as Promise<unknown>, statementOf(args))
      : query(...args)) as Pool['query'];
  pool.connect = ((...args: unknown[]) => {
    if (args.length) return connect(...args);
    let attempt: Promise<PoolClient> | undefined;
    return guard
      .run(() => (attempt = connect() as Promise<PoolClient>), 'connect')
      .then(
        (client) => guardClient(client, guard),
        (err: unknown) => {
          void attempt?.then(
            (late) => late.release(true),
            () => {},
          );
          throw err;
        },
      );
  }) as Pool['connect'];
}

function guardClient(client: PoolClient, guard: DatabaseGuard): PoolClient {
  const query = client.query.bind(client) as AnyFunction;
  const guarded = (...args: unknown[]) =>
    isPromiseCall(args) ? guard.run(() => query(...args) as Promise<unknown>, statementOf(args)) : query(...args);
  // A proxy rather than a patched client: the pool hands the same client to its own callback-style
  // queries later, which must not go through the guard a second time.
  return new Proxy(client, {
    get(target, property) {
      if (property === 'query') return guarded;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as AnyFunction).bind(target) : value;
    },
  });
}

/**
 * `sql` with every HTTP request it makes run through `guard`: a query (tagged template or `sql.query()`,
 * which drizzle's neon-http driver uses) when it is awaited, and `sql.transaction([...])`, which sends its
 * queries in one request. The driver's queries are lazy (a `NeonQueryPromise` runs when `then` is called),
 * so the guarded query stays lazy too, and one handed to `transaction()` is only run as part of it, once.
 */
export function guardSql<ArrayMode extends boolean, FullResults extends boolean>(
  sql: NeonQueryFunction<ArrayMode, FullResults>,
  guard: DatabaseGuard,
): NeonQueryFunction<ArrayMode, FullResults> {
  const query: NeonQueryFunction<ArrayMode, FullResults>['query'] = (text, params, options) =>
    guardQuery(sql.query(text, params, options), guard, text);
  const transaction: NeonQueryFunction<ArrayMode, FullResults>['transaction'] = (queries, options) =>
    guard.run(
      () => sql.transaction(queries, options),
      Array.isArray(queries)
        ? queries.map((q) => (q as { queryData?: { query?: string } }).queryData?.query ?? '?').join(';\n')
        : 'transaction',
    );
  return new Proxy(sql, {
    apply: (target, thisArg, args: Parameters<NeonQueryFunction<ArrayMode, FullResults>>) =>
      guardQuery(
        Reflect.apply(target, thisArg, args) as ReturnType<typeof sql>,
        guard,
        Array.isArray(args[0]) ? (args[0] as readonly string[]).join('$?') : undefined,
      ),
    get(target, property) {
      if (property === 'query') return query;
      if (property === 'transaction') return transaction;
      return Reflect.get(target, property, target) as unknown;
    },
  });
}

/** A lazy query whose single execution goes through `guard`; everything else (what `transaction()` reads) is the query's own. */
function guardQuery<Q extends PromiseLike<unknown>>(query: Q, guard: DatabaseGuard, statement?: string): Q {
  type Result = Q extends PromiseLike<infer R> ? R : never;
  let run: Promise<Result> | undefined;
  const start = () => (run ??= guard.run(() => Promise.resolve(query as PromiseLike<Result>), statement));
  return new Proxy(query, {
    get(target, property) {
      if (property === 'then')
        return (onFulfilled?: (value: Result) => unknown, onRejected?: (reason: unknown) => unknown) =>
          start().then(onFulfilled, onRejected);
      if (property === 'catch') return (onRejected?: (reason: unknown) => unknown) => start().catch(onRejected);
      if (property === 'finally') return (onFinally?: () => void) => start().finally(onFinally);
      return Reflect.get(target, property, target) as unknown;
    },
  });
}
