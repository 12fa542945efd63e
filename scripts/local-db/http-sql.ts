/**
 * `POST /sql`: Neon's "SQL over HTTP" protocol, as spoken by `neon()` from @neondatabase/serverless.
 *
 * Request (driver 1.2.0): JSON body `{query, params}` or `{queries: [{query, params}, ...]}` (a transaction),
 * headers `Neon-Connection-String` (ignored: we always use the configured database), `Neon-Raw-Text-Output`,
 * `Neon-Array-Mode`, and for batches `Neon-Batch-Isolation-Level` / `Neon-Batch-Read-Only` /
 * `Neon-Batch-Deferrable`.
 * Response: `{fields, rows, command, rowCount, rowAsArray}` or `{results: [...]}`; Postgres errors are
 * HTTP 400 with `{message, code, detail, ...}`, which the driver copies onto a NeonDbError.
 * Shapes follow Neon's proxy (proxy/src/serverless/sql_over_http.rs).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LockTimeoutError } from './fifo-lock.js';
import type { FieldDescription, PgErrorFields } from './protocol.js';
import type { SqlExecutor, SqlQuery, SqlResult, TransactionOptions } from './sql-executor.js';
import { isIsolationLevel, SqlError } from './sql-executor.js';

const MAX_BODY_BYTES = 10 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

interface ParsedQuery extends SqlQuery {
  /** Per-query override of Neon-Array-Mode. */
  arrayMode?: boolean;
}

export async function handleSqlRequest(
  req: IncomingMessage,
  res: ServerResponse,
  executor: SqlExecutor,
  log: (line: string) => void,
  /** Fault injection: when it returns true for the request body, answer 503 as if the database were down. */
  injectFault: (body: string) => boolean = () => false,
  /** Sees the first statement of each well-formed request (the relay's per-statement counters). */
  observe: (firstStatement: string) => void = () => {},
): Promise<void> {
  try {
    const rawOutput = header(req, 'neon-raw-text-output') === 'true';
    const defaultArrayMode = header(req, 'neon-array-mode') === 'true';
    const body = await readBody(req);
    if (injectFault(body)) {
      sendJson(res, 503, { message: 'relay: injected fault, database unreachable' });
      return;
    }
    const payload = parsePayload(body);
    observe('queries' in payload ? (payload.queries[0]?.query ?? '') : payload.query);

    if ('queries' in payload) {
      const opts = parseTransactionHeaders(req);
      const results = await executor.transaction(payload.queries, opts);
      const extra: Record<string, string> = {};
      // Neon echoes the transaction settings it applied.
      if (opts.readOnly) extra['Neon-Batch-Read-Only'] = 'true';
      if (opts.deferrable) extra['Neon-Batch-Deferrable'] = 'true';
      if (opts.isolationLevel) extra['Neon-Batch-Isolation-Level'] = opts.isolationLevel;
      sendJson(
        res,
        200,
        {
          results: results.map((r, i) => resultJson(r, payload.queries[i]!.arrayMode ?? defaultArrayMode, rawOutput)),
        },
        extra,
      );
    } else {
      const result = await executor.query(payload);
      sendJson(res, 200, resultJson(result, payload.arrayMode ?? defaultArrayMode, rawOutput));
    }
  } catch (err) {
    if (err instanceof SqlError) {
      sendJson(res, 400, errorJson(err.fields));
    } else if (err instanceof HttpError) {
      sendJson(res, err.status, errorJson({ message: err.message, ...(err.code ? { code: err.code } : {}) }));
    } else if (err instanceof LockTimeoutError) {
      // 400 + SQLSTATE so the driver raises a NeonDbError with this message (lock_not_available).
      sendJson(res, 400, errorJson({ message: `relay: ${err.message}`, code: '55P03', severity: 'ERROR' }));
    } else {
      log(`/sql: ${(err as Error).stack ?? String(err)}`);
      sendJson(res, 500, { message: `relay: ${(err as Error).message}` });
    }
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * What the relay's `byStatement` counter files a request under: the start of its first statement, with
 * whitespace collapsed (a benchmark recognises its own traffic, e.g. bench:room the vote batches, by it).
 */
export function statementKey(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim().slice(0, 60);
}

function parsePayload(body: string): ParsedQuery | { queries: ParsedQuery[] } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
  if (isRecord(json) && Array.isArray(json['queries'])) {
    return { queries: json['queries'].map((q) => parseQuery(q)) };
  }
  return parseQuery(json);
}

function parseQuery(v: unknown): ParsedQuery {
  if (!isRecord(v) || typeof v['query'] !== 'string') {
    throw new HttpError(400, 'expected {"query": string, "params": [...]} or {"queries": [...]}');
  }
  const params = v['params'] ?? [];
  if (!Array.isArray(params)) throw new HttpError(400, '"params" must be an array');
  const q: ParsedQuery = { query: v['query'], params: params.map(toPgText) };
  if (typeof v['arrayMode'] === 'boolean') q.arrayMode = v['arrayMode'];
  return q;
}

function parseTransactionHeaders(req: IncomingMessage): TransactionOptions {
  const level = header(req, 'neon-batch-isolation-level');
  if (level !== undefined && !isIsolationLevel(level)) throw new HttpError(400, 'invalid isolation level');
  return {
    ...(level !== undefined ? { isolationLevel: level } : {}),
    readOnly: header(req, 'neon-batch-read-only') === 'true',
    deferrable: header(req, 'neon-batch-deferrable') === 'true',
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * JSON parameter -> Postgres text, as Neon's proxy does (`json_to_pg_text`). The driver already sends
 * strings or null (it runs node-postgres' prepareValue), but plain HTTP clients may send numbers, booleans,
 * arrays (-> array literal) or objects (-> JSON text).
 */
function toPgText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return toPgArrayLiteral(v);
  return JSON.stringify(v);
}

function toPgArrayLiteral(items: unknown[]): string {
  const parts = items.map((item) => {
    if (item === null || item === undefined) return 'NULL';
    if (Array.isArray(item)) return toPgArrayLiteral(item);
    const text = typeof item === 'object' ? JSON.stringify(item) : String(item);
    return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${parts.join(',')}}`;
}

/** Result JSON in Neon's shape. Without raw text output, values are converted like Neon does for the basics. */
function resultJson(r: SqlResult, arrayMode: boolean, rawOutput: boolean): Record<string, unknown> {
  const convert = (v: string | null, f: FieldDescription): unknown =>
    v === null || rawOutput ? v : textToJsonValue(v, f.dataTypeID);
  const rows = arrayMode
    ? r.rows.map((row) => row.map((v, i) => convert(v, r.fields[i]!)))
    : r.rows.map((row) => Object.fromEntries(row.map((v, i) => [r.fields[i]!.name, convert(v, r.fields[i]!)])));
  return {
    rowAsArray: arrayMode,
    fields: r.fields,
    rows,
    command: r.command,
    rowCount: r.rowCount,
  };
}

/** Minimal non-raw conversion (only used by clients that do not send Neon-Raw-Text-Output: true). */
function textToJsonValue(v: string, oid: number): unknown {
  switch (oid) {
    case 16: // bool
      return v === 't';
    case 21: // int2
    case 23: // int4
    case 26: // oid
    case 700: // float4
    case 701: {
      // float8
      const n = Number(v);
      return Number.isFinite(n) ? n : v;
    }
    case 114: // json
    case 3802: // jsonb
      return JSON.parse(v) as unknown;
    default:
      return v;
  }
}

/** Neon's error body: every field present, null when Postgres did not send it. */
function errorJson(f: PgErrorFields): Record<string, string | null> {
  return {
    message: f.message,
    code: f.code ?? null,
    detail: f.detail ?? null,
    hint: f.hint ?? null,
    position: f.position ?? null,
    internalPosition: f.internalPosition ?? null,
    internalQuery: f.internalQuery ?? null,
    severity: f.severity ?? null,
    where: f.where ?? null,
    table: f.table ?? null,
    column: f.column ?? null,
    schema: f.schema ?? null,
    dataType: f.dataType ?? null,
    constraint: f.constraint ?? null,
    file: f.file ?? null,
    line: f.line ?? null,
    routine: f.routine ?? null,
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  extraHeaders: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const data = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(data),
    // Neon's proxy allows any origin; browser-based tools (and workerd's fetch) need nothing more.
    'Access-Control-Allow-Origin': '*',
    ...extraHeaders,
  });
  res.end(data);
}
