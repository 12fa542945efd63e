/**
 * A hook around every round trip a Neon `Pool` makes, so that policies such as a circuit breaker and a
 * query timeout apply to all database use of a worker without touching the code that queries.
 */
import type { Pool, PoolClient } from '@neondatabase/serverless';

/** Runs one database round trip (a pooled query, or checking out a connection for a transaction). */
export interface DatabaseGuard {
  run<T>(roundTrip: () => Promise<T>): Promise<T>;
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
  pool.query = ((...args: unknown[]) => (isPromiseCall(args) ? guard.run(() => query(...args) as Promise<unknown>) : query(...args))) as Pool['query'];
  pool.connect = ((...args: unknown[]) => {
    if (args.length) return connect(...args);
    let attempt: Promise<PoolClient> | undefined;
    return guard
      .run(() => (attempt = connect() as Promise<PoolClient>))
      .then(
        (client) => guardClient(client, guard),
        (err: unknown) => {
          void attempt?.then((late) => late.release(true), () => {});
          throw err;
        },
      );
  }) as Pool['connect'];
}

function guardClient(client: PoolClient, guard: DatabaseGuard): PoolClient {
  const query = client.query.bind(client) as AnyFunction;
  const guarded = (...args: unknown[]) => (isPromiseCall(args) ? guard.run(() => query(...args) as Promise<unknown>) : query(...args));
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
