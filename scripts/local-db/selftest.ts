/**
 * Self-test of the local Neon relay with the real @neondatabase/serverless driver (Pool over WebSocket and
 * neon() over HTTP), in Node.
 *
 *   npx tsx scripts/local-db/selftest.ts                       # PGlite (in-memory)
 *   npx tsx scripts/local-db/selftest.ts --upstream postgres://postgres@127.0.0.1:5432/mysetlist_test
 *   npx tsx scripts/local-db/selftest.ts --skip-pglite --upstream URL
 *
 * Exits non-zero if any check fails; prints one SELFTEST summary line per mode with timings.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { NeonDbError, neon, neonConfig, Pool, type PoolClient } from '@neondatabase/serverless';
import ws, { WebSocket } from 'ws';
import { settleWithin } from '#shared/settle-within';
import { type LocalDatabase, neonLocalConfig, startLocalDatabase } from './index.js';
import {
  authenticationOk,
  backendMessages,
  bindMessage,
  buildStartupMessage,
  executeMessage,
  message,
  PROTOCOL_V3,
  parseDataRow,
  parseMessage,
  queryMessage,
  SSL_REQUEST_CODE,
} from './protocol.js';

neonConfig.webSocketConstructor = ws;

/** Placeholder: host/port/database are ignored by the relay (it always uses its configured database). */
const CONNECTION_STRING = 'postgres://postgres:postgres@db.localtest.invalid:5432/main';
const T = 'selftest_items';
const TC = 'selftest_conc';

interface Check {
  name: string;
  ms: number;
  error?: string;
}

class Suite {
  readonly checks: Check[] = [];
  readonly notes: string[] = [];

  async check(name: string, fn: () => Promise<void>): Promise<void> {
    const t0 = performance.now();
    try {
      await settleWithin(fn(), 60_000, name);
      const ms = performance.now() - t0;
      this.checks.push({ name, ms });
      console.log(`  ok   ${name} (${ms.toFixed(0)} ms)`);
    } catch (err) {
      const ms = performance.now() - t0;
      const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
      this.checks.push({ name, ms, error: msg });
      console.log(`  FAIL ${name} (${ms.toFixed(0)} ms)\n${indent(msg)}`);
    }
  }

  get failed(): Check[] {
    return this.checks.filter((c) => c.error !== undefined);
  }
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `       ${l}`)
    .join('\n');
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

const fmt = (ms: number): string => `${ms.toFixed(2)}ms`;

async function expectDbError(p: Promise<unknown>, code: string): Promise<{ code?: string; constraint?: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code?: string; constraint?: string; message?: string };
    assert.equal(e.code, code, `expected SQLSTATE ${code}, got ${String(e.code)} (${String(e.message)})`);
    return e;
  }
  throw new Error(`expected an error with SQLSTATE ${code}, but the query succeeded`);
}

// ------------------------------------------------------------------------------------------------
// Raw wire-protocol client (to test what the driver cannot easily trigger: pipelining, abrupt hang-ups)
// ------------------------------------------------------------------------------------------------

class RawConn {
  readonly received: Buffer[] = [];
  closed = false;
  readonly #waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => {
      this.received.push(Buffer.from(d));
      for (const w of this.#waiters) w();
    });
    ws.on('close', () => {
      this.closed = true;
      for (const w of this.#waiters) w();
    });
  }

  static async open(relay: string): Promise<RawConn> {
    // A hostile ?address= must be ignored by the relay.
    const sock = new WebSocket(`ws://${relay}/v2?address=169.254.169.254:80`);
    await new Promise<void>((resolve, reject) => {
      sock.once('open', () => resolve());
      sock.once('error', reject);
    });
    return new RawConn(sock);
  }

  get all(): Buffer {
    return Buffer.concat(this.received);
  }

  send(...parts: Buffer[]): void {
    this.ws.send(Buffer.concat(parts));
  }

  /** Waits until `pred` holds for everything received so far. */
  async until(pred: (all: Buffer) => boolean, what: string, ms = 5000): Promise<void> {
    if (pred(this.all)) return;
    await settleWithin(
      new Promise<void>((resolve, reject) => {
        const w = (): void => {
          if (pred(this.all)) {
            this.#waiters.delete(w);
            resolve();
          } else if (this.closed) {
            this.#waiters.delete(w);
            reject(new Error(`${what}: connection closed; got ${describe(this.all)}`));
          }
        };
        this.#waiters.add(w);
      }),
      ms,
      what,
    );
  }

  async waitClosed(ms: number): Promise<void> {
    if (this.closed) return;
    await settleWithin(new Promise<void>((r) => this.ws.once('close', () => r())), ms, 'server hang-up');
  }
}

/** Backend message types in order (RFQ with its status, e.g. "Z:I"), for assertions and diagnostics. */
function types(buf: Buffer): string[] {
  // Skip a leading SSL answer byte ('N') which has no length.
  const start = buf[0] === 0x4e && (buf.length === 1 || buf[1] !== 0) ? 1 : 0;
  const out: string[] = [];
  try {
    for (const m of backendMessages(buf.subarray(start))) {
      out.push(m.type === 'Z' ? `Z:${m.body.toString('latin1', 0, 1)}` : m.type);
    }
  } catch {
    out.push('<partial>');
  }
  return out;
}

function describe(buf: Buffer): string {
  return types(buf).join(' ');
}

function countReady(buf: Buffer): number {
  return types(buf).filter((t) => t.startsWith('Z:')).length;
}

const startup = (): Buffer =>
  buildStartupMessage(
    PROTOCOL_V3,
    new Map([
      ['user', 'postgres'],
      ['database', 'main'],
      ['client_encoding', 'UTF8'],
    ]),
  );

// ------------------------------------------------------------------------------------------------

interface ModeSummary {
  label: string;
  passed: number;
  failed: number;
  totalMs: number;
  line: string;
}

async function runMode(label: string, db: LocalDatabase): Promise<ModeSummary> {
  const suite = new Suite();
  const started = performance.now();
  Object.assign(neonConfig, neonLocalConfig(db.relayAddress));
  console.log(`\n== ${label}: relay ${db.relayAddress}`);

  const pool = new Pool({ connectionString: CONNECTION_STRING, max: 60 });
  const poolErrors: string[] = [];
  pool.on('error', (err: Error) => poolErrors.push(err.message));
  const sql = neon(CONNECTION_STRING);
  /** One `SELECT i` over HTTP: checks the answer, adds its latency (ms) to `into`. */
  const timedEcho = async (i: number, into: number[]) => {
    const t0 = performance.now();
    const [r] = await sql`SELECT ${i}::int AS i`;
    into.push(performance.now() - t0);
    assert.deepEqual(r, { i });
  };

  let wsP50 = NaN;
  let httpSeqP50 = NaN;
  let httpP50 = NaN;
  let httpP95 = NaN;
  let concurrentMs = NaN;

  await suite.check('health endpoint', async () => {
    const res = await fetch(`http://${db.relayAddress}/health`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { ok: boolean; mode: string };
    assert.deepEqual(body, { ok: true, mode: db.pglite ? 'pglite' : 'upstream' });
  });

  await suite.check('create tables (Pool)', async () => {
    await pool.query(`DROP TABLE IF EXISTS ${T}, ${TC}`);
    await pool.query(`
      CREATE TABLE ${T} (
        id serial PRIMARY KEY,
        n int,
        label text UNIQUE,
        created timestamptz,
        doc jsonb,
        flag boolean,
        uid uuid,
        tags text[],
        big bigint,
        bin bytea
      )`);
    await pool.query(
      `CREATE TABLE ${TC} (worker int NOT NULL, seq int NOT NULL, payload text NOT NULL, PRIMARY KEY (worker, seq))`,
    );
  });

  const created = new Date('2024-05-06T07:08:09.123Z');
  const doc = { a: 1, b: [1, 2, 3], c: { d: 'x', e: null }, s: 'ünïcødé "q"' };
  const uid = '7b0c4e5c-2f7b-4d8a-9a55-0f9d2d7f6a11';
  const tags = ['a', 'b c', 'd"e', 'f,g', 'ñ'];
  const bin = Buffer.from([0, 1, 2, 254, 255]);
  /** The row inserted below, as both drivers must return it: typed values, not text. */
  const assertTypedRow = (row: Record<string, unknown>) => {
    assert.equal(row['n'], 42);
    assert.equal((row['created'] as Date).getTime(), created.getTime());
    assert.deepEqual(row['doc'], doc);
    assert.equal(row['flag'], true);
    assert.equal(row['uid'], uid);
    assert.deepEqual(row['tags'], tags);
    assert.equal(row['big'], '9007199254740993');
    assert.deepEqual(row['bin'], bin);
  };

  await suite.check('insert with params + typed select (Pool)', async () => {
    const ins = await pool.query(
      `INSERT INTO ${T} (n, label, created, doc, flag, uid, tags, big, bin) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`,
      [42, 'héllo "world"', created, JSON.stringify(doc), true, uid, tags, '9007199254740993', bin],
    );
    assert.equal(ins.rowCount, 1);
    assert.equal(typeof ins.rows[0].id, 'number');
    await pool.query(`INSERT INTO ${T} (label) VALUES ($1)`, ['nulls']);
    const r = await pool.query(`SELECT n, label, created, doc, flag, uid, tags, big, bin FROM ${T} WHERE label = $1`, [
      'héllo "world"',
    ]);
    assert.equal(r.rows.length, 1);
    const row = r.rows[0] as Record<string, unknown>;
    assertTypedRow(row);
    assert.equal(row['label'], 'héllo "world"');
    assert.ok(row['created'] instanceof Date);
    assert.ok(Buffer.isBuffer(row['bin']));
    const nulls = await pool.query(`SELECT n, created, doc, flag, uid, tags FROM ${T} WHERE label = 'nulls'`);
    assert.deepEqual(Object.values(nulls.rows[0] as object), [null, null, null, null, null, null]);
  });

  await suite.check('neon() HTTP: typed select, insert with params, fullResults', async () => {
    const rows =
      await sql`SELECT n, label, created, doc, flag, uid, tags, big, bin FROM ${sql.unsafe(T)} WHERE label = ${'héllo "world"'}`;
    assert.equal(rows.length, 1);
    const row = rows[0] as Record<string, unknown>;
    assertTypedRow(row);
    const full = await sql.query(
      `INSERT INTO ${T} (n, label, created, doc, flag, tags, bin) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [7, 'via-http', created, doc, false, ['x', 'y z'], bin],
      { fullResults: true },
    );
    assert.equal(full.command, 'INSERT');
    assert.equal(full.rowCount, 1);
    const back = await sql`SELECT n, doc, flag, tags, bin, created FROM ${sql.unsafe(T)} WHERE label = 'via-http'`;
    assert.deepEqual(back, [{ n: 7, doc, flag: false, tags: ['x', 'y z'], bin, created }]);
    const arr = await sql.query('SELECT 1::int AS a, NULL::text AS b', [], { arrayMode: true });
    assert.deepEqual(arr, [[1, null]]);
  });

  await suite.check('transactions: BEGIN/INSERT/COMMIT and ROLLBACK (Pool client)', async () => {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`INSERT INTO ${T} (label) VALUES ($1)`, ['committed']);
      await c.query('COMMIT');
      await c.query('BEGIN');
      await c.query(`INSERT INTO ${T} (label) VALUES ($1)`, ['rolled-back']);
      const inside = await c.query(`SELECT count(*)::int AS c FROM ${T} WHERE label = 'rolled-back'`);
      assert.equal(inside.rows[0].c, 1);
      await c.query('ROLLBACK');
    } finally {
      c.release();
    }
    const [r] = await sql`SELECT
      (SELECT count(*) FROM ${sql.unsafe(T)} WHERE label = 'committed')::int AS committed,
      (SELECT count(*) FROM ${sql.unsafe(T)} WHERE label = 'rolled-back')::int AS rolled`;
    assert.deepEqual(r, { committed: 1, rolled: 0 });
  });

  await suite.check('errors carry SQLSTATE; connection stays usable (Pool)', async () => {
    const c = await pool.connect();
    try {
      await expectDbError(c.query('SELEC 1'), '42601');
      assert.equal((await c.query('SELECT 1 AS one')).rows[0].one, 1);
      const e = await expectDbError(c.query(`INSERT INTO ${T} (label) VALUES ('committed')`), '23505');
      assert.equal(e.constraint, `${T}_label_key`);
      assert.equal((await c.query('SELECT 2 AS two')).rows[0].two, 2);
      // Error inside a transaction: the transaction is failed (25P02) until ROLLBACK, then usable again.
      await c.query('BEGIN');
      await expectDbError(c.query(`INSERT INTO ${T} (label) VALUES ('committed')`), '23505');
      await expectDbError(c.query('SELECT 1'), '25P02');
      await c.query('ROLLBACK');
      assert.equal((await c.query('SELECT 3 AS three')).rows[0].three, 3);
      // Simple-protocol multi-statement with an error in the middle.
      await expectDbError(c.query(`SELECT 1; SELECT 1/0; SELECT 3`), '22012');
      assert.equal((await c.query('SELECT 4 AS four')).rows[0].four, 4);
    } finally {
      c.release();
    }
  });

  await suite.check('errors over HTTP are NeonDbError with code; next query fine', async () => {
    try {
      await sql`INSERT INTO ${sql.unsafe(T)} (label) VALUES ('committed')`;
      assert.fail('expected unique violation');
    } catch (err) {
      assert.ok(err instanceof NeonDbError, `expected NeonDbError, got ${String(err)}`);
      assert.equal(err.code, '23505');
      assert.equal(err.constraint, `${T}_label_key`);
      assert.equal(err.table, T);
    }
    await expectDbError(sql`SELEC 1`, '42601');
    await expectDbError(sql.query('SELECT 1; SELECT 2'), '42601');
    const [ok] = await sql`SELECT 'fine' AS s`;
    assert.deepEqual(ok, { s: 'fine' });
  });

  await suite.check('neon() sql.transaction([...]) commits; failing one rolls back', async () => {
    const [ins, sel] = await sql.transaction(
      [
        sql`INSERT INTO ${sql.unsafe(T)} (label, n) VALUES ('tx-1', 1) RETURNING n`,
        sql`SELECT count(*)::int AS c FROM ${sql.unsafe(T)} WHERE label = 'tx-1'`,
      ],
      { isolationLevel: 'RepeatableRead' },
    );
    assert.deepEqual(ins, [{ n: 1 }]);
    assert.deepEqual(sel, [{ c: 1 }]);
    try {
      await sql.transaction([
        sql`INSERT INTO ${sql.unsafe(T)} (label) VALUES ('tx-2')`,
        sql`INSERT INTO ${sql.unsafe(T)} (label) VALUES ('committed')`, // unique violation
      ]);
      assert.fail('expected the transaction to fail');
    } catch (err) {
      assert.ok(err instanceof NeonDbError);
      assert.equal(err.code, '23505');
    }
    const [r] = await sql`SELECT count(*)::int AS c FROM ${sql.unsafe(T)} WHERE label = 'tx-2'`;
    assert.deepEqual(r, { c: 0 });
    const ro = await sql.transaction((tx) => [tx`SELECT 1 AS x`], { readOnly: true });
    assert.deepEqual(ro, [[{ x: 1 }]]);
    await expectDbError(
      sql.transaction((tx) => [tx`INSERT INTO ${sql.unsafe(T)} (label) VALUES ('ro')`], { readOnly: true }),
      '25006',
    );
  });

  await suite.check('named prepared statements: same name on two connections', async () => {
    const a = await pool.connect();
    const b = await pool.connect();
    try {
      const q = (v: number) => ({ name: 'selftest_same_name', text: 'SELECT $1::int + 1 AS x', values: [v] });
      assert.equal((await a.query(q(1))).rows[0].x, 2);
      assert.equal((await b.query(q(10))).rows[0].x, 11);
      // Re-executions reuse each connection's own parsed statement (no Parse is sent the second time).
      assert.equal((await a.query(q(2))).rows[0].x, 3);
      assert.equal((await b.query(q(20))).rows[0].x, 21);
    } finally {
      a.release();
      b.release();
    }
  });

  await suite.check('raw: SSLRequest -> N, ?address= ignored, Terminate -> server hangs up', async () => {
    const c = await RawConn.open(db.relayAddress);
    const ssl = Buffer.alloc(8);
    ssl.writeInt32BE(8, 0);
    ssl.writeInt32BE(SSL_REQUEST_CODE, 4);
    c.send(ssl);
    await c.until((b) => b.length >= 1, 'SSL answer');
    assert.equal(c.all.toString('latin1', 0, 1), 'N');
    c.received.length = 0;
    c.send(startup());
    await c.until((b) => countReady(b) >= 1, 'startup');
    assert.equal(types(c.all)[0], 'R');
    c.received.length = 0;
    c.send(queryMessage('SELECT current_database()'));
    await c.until((b) => countReady(b) >= 1, 'query');
    c.send(message('X'));
    await c.waitClosed(2000);
  });

  await suite.check('raw: startup + password + query pipelined in one frame', async () => {
    const c = await RawConn.open(db.relayAddress);
    const password = message('p', Buffer.from('postgres\0'));
    c.send(startup(), password, queryMessage('SELECT 40 + 2 AS answer'));
    await c.until((b) => countReady(b) >= 2, 'pipelined connect');
    const msgs = [...backendMessages(c.all)];
    assert.ok(!msgs.some((m) => m.type === 'E'), `unexpected error: ${describe(c.all)}`);
    assert.deepEqual(msgs[0]!.body, authenticationOk().subarray(5));
    const data = msgs.find((m) => m.type === 'D');
    assert.ok(data);
    assert.deepEqual(parseDataRow(data.body), ['42']);
    c.send(message('X'));
    await c.waitClosed(2000);
  });

  await suite.check('raw: client vanishes mid-transaction / mid-cycle -> rolled back, no deadlock', async () => {
    // 1) Inside BEGIN..: abrupt close after an INSERT.
    const a = await RawConn.open(db.relayAddress);
    a.send(startup());
    await a.until((b) => countReady(b) >= 1, 'startup');
    a.send(queryMessage('BEGIN'), queryMessage(`INSERT INTO ${T} (label) VALUES ('ghost-tx')`));
    await a.until((b) => types(b).includes('Z:T') && countReady(b) >= 3, 'in transaction');
    a.ws.terminate();
    // 2) Extended protocol: Execute without Sync (Flush to see it ran), then abrupt close.
    const b = await RawConn.open(db.relayAddress);
    b.send(startup());
    await b.until((x) => countReady(x) >= 1, 'startup');
    b.received.length = 0;
    b.send(
      parseMessage('', `INSERT INTO ${T} (label) VALUES ('ghost-cycle')`),
      bindMessage('', '', []),
      executeMessage(''),
      message('H'),
    );
    await b.until((x) => types(x).includes('C'), 'execute without sync');
    b.ws.terminate();
    await sleep(100);
    // Both must be rolled back, and the database must be free for others (HTTP and Pool).
    const [r] = await sql`SELECT count(*)::int AS c FROM ${sql.unsafe(T)} WHERE label IN ('ghost-tx', 'ghost-cycle')`;
    assert.deepEqual(r, { c: 0 });
    assert.equal((await pool.query('SELECT 5 AS five')).rows[0].five, 5);
  });

  if (!db.pglite) {
    await suite.check('raw: CancelRequest is passed on to the server (upstream)', async () => {
      const a = await RawConn.open(db.relayAddress);
      a.send(startup());
      await a.until((b) => countReady(b) >= 1, 'startup');
      const key = [...backendMessages(a.all)].find((m) => m.type === 'K');
      assert.ok(key, 'no BackendKeyData');
      a.received.length = 0;
      a.send(queryMessage('SELECT pg_sleep(10)'));
      await sleep(100);
      const b = await RawConn.open(db.relayAddress);
      const cancel = Buffer.alloc(16);
      cancel.writeInt32BE(16, 0);
      cancel.writeInt32BE(80877102, 4);
      key.body.copy(cancel, 8, 0, 8);
      b.send(cancel);
      await a.until((x) => countReady(x) >= 1, 'cancelled query', 5000);
      const err = [...backendMessages(a.all)].find((m) => m.type === 'E');
      assert.ok(err, `expected an error, got ${describe(a.all)}`);
      assert.match(err.body.toString('utf8'), /C57014/);
      a.send(message('X'));
      await a.waitClosed(2000);
      b.ws.terminate();
    });
  }

  if (db.pglite) {
    const pglite = db.pglite;
    await suite.check('pglite extensions pg_trgm + unaccent are loadable (created and rolled back)', async () => {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
        await c.query('CREATE EXTENSION IF NOT EXISTS unaccent');
        const r = await c.query(
          `SELECT similarity('setlist', 'setlists') > 0.5 AS similar, unaccent('Beyoncé Motörhead') AS plain`,
        );
        assert.deepEqual(r.rows[0], { similar: true, plain: 'Beyonce Motorhead' });
      } finally {
        await c.query('ROLLBACK');
        c.release();
      }
    });

    await suite.check('in-process pglite.query waits for a relay transaction (shared lock)', async () => {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query(`INSERT INTO ${T} (label) VALUES ('inproc')`);
        let seen: number | undefined;
        const p = pglite
          .query<{ c: number }>(`SELECT count(*)::int AS c FROM ${T} WHERE label = 'inproc'`)
          .then((r) => {
            seen = r.rows[0]!.c;
          });
        await sleep(50);
        assert.equal(seen, undefined, 'pglite.query ran inside the relay client transaction');
        await c.query('COMMIT');
        await p;
        assert.equal(seen, 1);
      } finally {
        c.release();
      }
    });
  }

  await suite.check('latency: 200 sequential Pool queries, 100 sequential HTTP queries', async () => {
    const c = await pool.connect();
    const wsLat: number[] = [];
    try {
      for (let i = 0; i < 200; i++) {
        const t0 = performance.now();
        const r = await c.query('SELECT $1::int AS i', [i]);
        wsLat.push(performance.now() - t0);
        assert.equal(r.rows[0].i, i);
      }
    } finally {
      c.release();
    }
    const httpLat: number[] = [];
    for (let i = 0; i < 100; i++) await timedEcho(i, httpLat);
    wsP50 = percentile(wsLat, 50);
    httpSeqP50 = percentile(httpLat, 50);
  });

  let burstP50 = NaN;
  let burstP95 = NaN;
  await suite.check('200 concurrent HTTP queries alone', async () => {
    const lat: number[] = [];
    await Promise.all(Array.from({ length: 200 }, (_, i) => timedEcho(i, lat)));
    burstP50 = percentile(lat, 50);
    burstP95 = percentile(lat, 95);
  });

  let concurrentErrors = 0;
  await suite.check(
    'concurrency: 50 Pool clients in interleaved transactions + 200 concurrent HTTP queries',
    async () => {
      const workers = Array.from({ length: 50 }, (_, w) => async (): Promise<void> => {
        const c: PoolClient = await pool.connect();
        try {
          await c.query('BEGIN');
          for (let s = 0; s < 3; s++) {
            await c.query(`INSERT INTO ${TC} (worker, seq, payload) VALUES ($1, $2, $3)`, [w, s, `w${w}-s${s}`]);
            await sleep(Math.random() * 3);
            const r = await c.query(`SELECT count(*)::int AS c, max(seq) AS m FROM ${TC} WHERE worker = $1`, [w]);
            assert.deepEqual(r.rows[0], { c: s + 1, m: s }, `worker ${w} step ${s}`);
          }
          // Simple-protocol multi-statement inside the transaction.
          await c.query(`UPDATE ${TC} SET payload = payload || '!' WHERE worker = ${w}; SELECT 1`);
          await c.query('COMMIT');
          const r = await c.query(`SELECT array_agg(payload ORDER BY seq) AS p FROM ${TC} WHERE worker = $1`, [w]);
          assert.deepEqual(r.rows[0].p, [`w${w}-s0!`, `w${w}-s1!`, `w${w}-s2!`]);
        } finally {
          c.release();
        }
      });
      const lat: number[] = [];
      const https = Array.from({ length: 200 }, (_, i) => async (): Promise<void> => {
        const t0 = performance.now();
        const rows =
          await sql`SELECT ${i}::int AS i, ${`q-${i}`}::text AS s, ${{ i }}::jsonb AS j, (SELECT count(*) FROM ${sql.unsafe(TC)})::int AS c`;
        lat.push(performance.now() - t0);
        assert.equal(rows.length, 1);
        const row = rows[0] as { i: number; s: string; j: { i: number }; c: number };
        assert.equal(row.i, i);
        assert.equal(row.s, `q-${i}`);
        assert.deepEqual(row.j, { i });
        // Other clients' uncommitted rows must never be visible: the total is a multiple of 3.
        assert.equal(row.c % 3, 0, `saw uncommitted rows (count ${row.c})`);
      });
      const t0 = performance.now();
      const settled = await Promise.allSettled([...workers.map((f) => f()), ...https.map((f) => f())]);
      concurrentMs = performance.now() - t0;
      const errors = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
      concurrentErrors = errors.length;
      httpP50 = percentile(lat, 50);
      httpP95 = percentile(lat, 95);
      if (errors.length > 0) {
        throw new Error(
          `${errors.length} failures, first: ${String((errors[0]!.reason as Error)?.stack ?? errors[0]!.reason)}`,
        );
      }
      const [r] = await sql`SELECT count(*)::int AS c, count(DISTINCT worker)::int AS w FROM ${sql.unsafe(TC)}`;
      assert.deepEqual(r, { c: 150, w: 50 });
    },
  );

  await suite.check('pool.end() completes (relay hangs up after Terminate)', async () => {
    await settleWithin(pool.end(), 5000, 'pool.end()');
    assert.deepEqual(poolErrors, []);
  });

  await suite.check('closed connections leave no prepared statements behind', async () => {
    let left = -1;
    for (let i = 0; i < 20 && left !== 0; i++) {
      const [r] = await sql`SELECT count(*)::int AS c FROM pg_prepared_statements`;
      left = (r as { c: number }).c;
      if (left !== 0) await sleep(50);
    }
    assert.equal(left, 0);
  });

  await suite.check('cleanup: drop test tables', async () => {
    await sql`DROP TABLE IF EXISTS ${sql.unsafe(T)}, ${sql.unsafe(TC)}`;
  });

  const totalMs = performance.now() - started;
  const failed = suite.failed.length;
  const passed = suite.checks.length - failed;
  const line =
    `SELFTEST ${label}: ${failed === 0 ? 'PASS' : 'FAIL'} ${passed}/${suite.checks.length} checks in ${(totalMs / 1000).toFixed(2)}s | ` +
    `ws query p50 ${fmt(wsP50)} | http sequential p50 ${fmt(httpSeqP50)} | ` +
    `200 concurrent http alone p50 ${fmt(burstP50)} p95 ${fmt(burstP95)} | ` +
    `200 concurrent http p50 ${fmt(httpP50)} p95 ${fmt(httpP95)} (with 50 tx clients, ${fmt(concurrentMs)} total, ${concurrentErrors} errors)`;
  return { label, passed, failed, totalMs, line };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      upstream: { type: 'string' },
      'skip-pglite': { type: 'boolean' },
      'data-dir': { type: 'string' },
    },
  });
  const summaries: ModeSummary[] = [];
  const quietLog = (line: string): void => {
    if (process.env['SELFTEST_VERBOSE']) console.error(`[local-db] ${line}`);
  };
  const relayLog: string[] = [];
  const log = (line: string): void => {
    relayLog.push(line);
    quietLog(line);
  };

  if (!values['skip-pglite']) {
    const t0 = performance.now();
    const db = await startLocalDatabase({ ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}), log });
    const startMs = performance.now() - t0;
    try {
      const s = await runMode('pglite', db);
      s.line += ` | pglite start ${(startMs / 1000).toFixed(2)}s`;
      summaries.push(s);
    } finally {
      await settleWithin(db.close(), 10_000, 'close (pglite)');
    }
  }
  if (values.upstream) {
    const db = await startLocalDatabase({ upstreamUrl: values.upstream, log });
    try {
      summaries.push(await runMode('upstream', db));
    } finally {
      await settleWithin(db.close(), 10_000, 'close (upstream)');
    }
  }

  console.log('');
  const extensions = relayLog.find((l) => l.includes('loadable extensions'));
  if (extensions) console.log(`relay: ${extensions}`);
  for (const s of summaries) console.log(s.line);
  const failed = summaries.reduce((n, s) => n + s.failed, 0);
  if (summaries.length === 0) {
    console.log('nothing to test');
    process.exitCode = 2;
  } else if (failed > 0) {
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
