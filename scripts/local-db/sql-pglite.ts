/**
 * `/sql` backend for PGlite. Queries go through the same exclusive lease as WebSocket clients and are run
 * with the extended protocol (Parse/Bind/Describe/Execute/Sync, all text format) via execProtocolRaw, so the
 * values are Postgres' own text output - exactly what Neon's proxy returns with Neon-Raw-Text-Output.
 * (PGlite's `query()` API would parse values into JS types, which we would then have to re-serialise.)
 */
import type { PgliteEngine, PgliteLease } from './pglite-engine.js';
import {
  backendMessages,
  bindMessage,
  describePortalMessage,
  executeMessage,
  type FieldDescription,
  type PgErrorFields,
  parseCString,
  parseDataRow,
  parseErrorResponse,
  parseMessage,
  parseRowDescription,
  queryMessage,
  syncMessage,
} from './protocol.js';
import type { SqlExecutor, SqlQuery, SqlResult, TransactionOptions } from './sql-executor.js';
import { beginStatement, parseCommandTag, SqlError } from './sql-executor.js';

export class PgliteSqlExecutor implements SqlExecutor {
  #nextId = 1;

  constructor(private readonly engine: PgliteEngine) {}

  async query(q: SqlQuery): Promise<SqlResult> {
    const lease = await this.engine.acquire(`http#${this.#nextId++}`);
    try {
      return await runExtended(lease, q);
    } finally {
      await this.engine.release(lease);
    }
  }

  async transaction(queries: SqlQuery[], opts: TransactionOptions): Promise<SqlResult[]> {
    const lease = await this.engine.acquire(`http-tx#${this.#nextId++}`);
    try {
      await runSimple(lease, beginStatement(opts));
      const results: SqlResult[] = [];
      for (const q of queries) results.push(await runExtended(lease, q));
      await runSimple(lease, 'COMMIT');
      return results;
    } finally {
      // On any failure the session is left in a transaction; release() rolls it back.
      await this.engine.release(lease);
    }
  }

  async close(): Promise<void> {
    // The engine (and PGlite) is owned and closed by startLocalDatabase.
  }
}

async function runExtended(lease: PgliteLease, q: SqlQuery): Promise<SqlResult> {
  const out = await lease.exec(
    Buffer.concat([
      parseMessage('', q.query),
      bindMessage('', '', q.params),
      describePortalMessage(''),
      executeMessage(''),
      syncMessage(),
    ]),
  );
  return collectResult(out);
}

async function runSimple(lease: PgliteLease, sql: string): Promise<void> {
  collectResult(await lease.exec(queryMessage(sql)));
}

/** Turns PGlite's backend output for one statement into a result, or throws the ErrorResponse it contains. */
function collectResult(out: Buffer): SqlResult {
  let fields: FieldDescription[] = [];
  const rows: (string | null)[][] = [];
  let tag = '';
  let error: PgErrorFields | undefined;
  for (const m of backendMessages(out)) {
    switch (m.type) {
      case 'T':
        fields = parseRowDescription(m.body);
        break;
      case 'D':
        rows.push(parseDataRow(m.body));
        break;
      case 'C':
        tag = parseCString(m.body);
        break;
      case 'E':
        error ??= parseErrorResponse(m.body);
        break;
      // '1' ParseComplete, '2' BindComplete, 'n' NoData, 'I' EmptyQuery, 'N' Notice, 'S' ParameterStatus,
      // 'Z' ReadyForQuery: nothing to report.
      default:
        break;
    }
  }
  if (error) throw new SqlError(error);
  return { fields, rows, ...parseCommandTag(tag) };
}
