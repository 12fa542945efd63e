/**
 * `/sql` backend for a real Postgres server, using a small `pg` pool.
 * Values stay raw text (identity type parser + rowMode 'array') and the extended protocol is forced, which
 * is what Neon's proxy does (`query_raw_txt`): the driver parses the text itself, and a multi-statement
 * string fails like it does on Neon instead of silently running through the simple protocol.
 */
import pg from 'pg';
import type { PgErrorFields } from './protocol.js';
import type { SqlExecutor, SqlQuery, SqlResult, TransactionOptions } from './sql-executor.js';
import { beginStatement, SqlError } from './sql-executor.js';

/** Every OID parses to its text form unchanged. */
const rawText = ((): ((value: string) => string) => (value: string) =>
  value) as unknown as pg.CustomTypesConfig['getTypeParser'];

export class UpstreamSqlExecutor implements SqlExecutor {
  readonly #pool: pg.Pool;

  constructor(upstreamUrl: string, log: (line: string) => void) {
    this.#pool = new pg.Pool({
      connectionString: upstreamUrl,
      max: 10,
      idleTimeoutMillis: 10_000,
      types: { getTypeParser: rawText },
    });
    // An idle pooled client losing its connection must not crash the relay process.
    this.#pool.on('error', (err) => log(`sql pool: ${err.message}`));
  }

  /** Fails fast at startup with a clear message if the upstream is unreachable. */
  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1');
  }

  async query(q: SqlQuery): Promise<SqlResult> {
    return runQuery(this.#pool, q);
  }

  async transaction(queries: SqlQuery[], opts: TransactionOptions): Promise<SqlResult[]> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await runQuery(client, { query: beginStatement(opts), params: [] });
      const results: SqlResult[] = [];
      for (const q of queries) results.push(await runQuery(client, q));
      await runQuery(client, { query: 'COMMIT', params: [] });
      return results;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        // The connection is unusable; make the pool discard it.
        broken = rollbackErr as Error;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

async function runQuery(target: pg.Pool | pg.PoolClient, q: SqlQuery): Promise<SqlResult> {
  // `queryMode` exists in pg >= 8.8 but is missing from @types/pg, hence the intersection type.
  const config: pg.QueryArrayConfig & { queryMode: 'extended' } = {
    text: q.query,
    values: q.params,
    rowMode: 'array',
    queryMode: 'extended',
  };
  let res: pg.QueryArrayResult<(string | null)[]>;
  try {
    res = await target.query<(string | null)[]>(config);
  } catch (err) {
    throw err instanceof pg.DatabaseError ? new SqlError(databaseErrorFields(err)) : err;
  }
  return {
    fields: res.fields.map((f) => ({
      name: f.name,
      tableID: f.tableID,
      columnID: f.columnID,
      dataTypeID: f.dataTypeID,
      dataTypeSize: f.dataTypeSize,
      dataTypeModifier: f.dataTypeModifier,
      format: f.format === 'binary' ? 'binary' : 'text',
    })),
    rows: res.rows,
    command: res.command ?? '',
    rowCount: res.rowCount ?? null,
  };
}

function databaseErrorFields(err: pg.DatabaseError): PgErrorFields {
  const f: PgErrorFields = { message: err.message };
  const keys = [
    'severity',
    'code',
    'detail',
    'hint',
    'position',
    'internalPosition',
    'internalQuery',
    'where',
    'schema',
    'table',
    'column',
    'dataType',
    'constraint',
    'file',
    'line',
    'routine',
  ] as const;
  for (const k of keys) {
    const v = err[k];
    if (v !== undefined) f[k] = v;
  }
  return f;
}
