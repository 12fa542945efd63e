import { neon, neonConfig, type Pool } from '@neondatabase/serverless';
import { describe, expect, it } from 'vitest';
import { type DatabaseGuard, guardPool, guardSql } from './guarded-pool';

/** Counts the round trips it runs; refuses them all when `refuse` is set. */
function countingGuard() {
  const guard = {
    runs: 0,
    refuse: false,
    run<T>(roundTrip: () => Promise<T>): Promise<T> {
      guard.runs++;
      return guard.refuse ? Promise.reject(new Error('refused')) : roundTrip();
    },
  };
  return guard satisfies DatabaseGuard;
}

/** The parts of a pg Pool that guardPool touches; `connect(cb)` is what pg-pool's own query() uses. */
function fakePool() {
  const client = {
    released: [] as unknown[],
    query: (...args: unknown[]) => {
      const cb = args.at(-1);
      if (typeof cb === 'function') return void cb(null, { rows: ['cb'] });
      return Promise.resolve({ rows: ['client'] });
    },
    release(err?: unknown) {
      client.released.push(err);
    },
  };
  const pool = {
    connects: 0,
    client,
    connect(cb?: (err: unknown, c: unknown) => void) {
      pool.connects++;
      if (cb) return void cb(null, client);
      return Promise.resolve(client);
    },
    query: (...args: unknown[]) => {
      const cb = args.at(-1);
      if (typeof cb === 'function') return void cb(null, { rows: ['pool-cb'] });
      return Promise.resolve({ rows: ['pool'] });
    },
  };
  return pool;
}

describe('guardPool', () => {
  it('runs promise-style pool queries through the guard, and passes callback-style ones through', async () => {
    const guard = countingGuard();
    const pool = fakePool();
    guardPool(pool as unknown as Pool, guard);
    expect(await (pool as unknown as Pool).query('select 1')).toEqual({ rows: ['pool'] });
    expect(guard.runs).toBe(1);
    await new Promise((resolve) => pool.query('select 1', [], resolve));
    pool.connect(() => {});
    expect(guard.runs).toBe(1);
  });

  it('guards checking out a client (transactions) and every query on it, without patching the pooled client', async () => {
    const guard = countingGuard();
    const pool = fakePool();
    guardPool(pool as unknown as Pool, guard);
    const client = await (pool as unknown as Pool).connect();
    expect(guard.runs).toBe(1);
    expect(await client.query('begin')).toEqual({ rows: ['client'] });
    expect(guard.runs).toBe(2);
    client.release();
    expect(pool.client.released).toEqual([undefined]);
    // The pool's own callback-style use of the same client is not guarded a second time.
    await new Promise((resolve) => pool.client.query('select 1', resolve));
    expect(guard.runs).toBe(2);
  });

  it('makes no connection attempt when the guard refuses', async () => {
    const guard = countingGuard();
    guard.refuse = true;
    const pool = fakePool();
    guardPool(pool as unknown as Pool, guard);
    await expect((pool as unknown as Pool).connect()).rejects.toThrow('refused');
    await expect((pool as unknown as Pool).query('select 1')).rejects.toThrow('refused');
    expect(pool.connects).toBe(0);
  });

  it('releases, with an error, a connection that arrives after the guard gave up on it', async () => {
    const pool = fakePool();
    let arrive!: () => void;
    pool.connect = ((cb?: unknown) => {
      pool.connects++;
      if (cb) throw new Error('unused');
      return new Promise((resolve) => (arrive = () => resolve(pool.client)));
    }) as typeof pool.connect;
    const giveUp: DatabaseGuard = {
      run: (roundTrip) => {
        void roundTrip();
        return Promise.reject(new Error('timed out'));
      },
    };
    guardPool(pool as unknown as Pool, giveUp);
    await expect((pool as unknown as Pool).connect()).rejects.toThrow('timed out');
    arrive();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(pool.client.released).toEqual([true]);
  });
});

describe('guardSql', () => {
  /** The real driver, with its HTTP requests answered here (one int column `n` = 1 per query) and counted. */
  async function withFakeHttp(test: (requests: unknown[]) => Promise<void>): Promise<void> {
    const requests: unknown[] = [];
    const result = { fields: [{ name: 'n', dataTypeID: 23 }], rows: [['1']], command: 'SELECT', rowCount: 1 };
    const saved = neonConfig.fetchFunction as unknown;
    neonConfig.fetchFunction = async (_url: string, init: { body: string }) => {
      const body = JSON.parse(init.body) as { queries?: unknown[] };
      requests.push(body);
      return Response.json(body.queries ? { results: body.queries.map(() => result) } : result);
    };
    try {
      await test(requests);
    } finally {
      neonConfig.fetchFunction = saved;
    }
  }
  const url = 'postgres://user:password@guarded.localhost/db';

  it('runs each query through the guard once, when it is awaited, and a transaction as one round trip', () =>
    withFakeHttp(async (requests) => {
      const guard = countingGuard();
      const sql = guardSql(neon(url), guard);
      const query = sql.query('select 1 as n');
      const tagged = sql`select ${1} as n`;
      expect(guard.runs).toBe(0);
      expect(await query).toEqual([{ n: 1 }]);
      expect(await tagged).toEqual([{ n: 1 }]);
      expect([guard.runs, requests.length]).toEqual([2, 2]);
      // The queries of a transaction travel in its one request; they are not run (or guarded) on their own.
      expect(await sql.transaction([sql.query('select 1 as n'), sql`select 2 as n`])).toEqual([[{ n: 1 }], [{ n: 1 }]]);
      expect([guard.runs, requests.length]).toEqual([3, 3]);
    }));

  it('sends nothing when the guard refuses', () =>
    withFakeHttp(async (requests) => {
      const guard = countingGuard();
      guard.refuse = true;
      const sql = guardSql(neon(url), guard);
      await expect(sql.query('select 1 as n')).rejects.toThrow('refused');
      await expect(sql.transaction([sql.query('select 1 as n')])).rejects.toThrow('refused');
      expect(requests).toEqual([]);
    }));
});
