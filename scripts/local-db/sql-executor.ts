/**
 * The contract between the HTTP `/sql` endpoint and a database backend (PGlite or a real server).
 * Everything is in Postgres *text* format: Neon's driver asks for raw text output and runs its own
 * type parsers, so the relay must never convert values itself.
 */
import type { FieldDescription, PgErrorFields } from './protocol.js';

export interface SqlQuery {
  query: string;
  /** Parameters already in Postgres text format (null = SQL NULL). */
  params: (string | null)[];
}

export interface SqlResult {
  fields: FieldDescription[];
  rows: (string | null)[][];
  /** First word of the command tag ("SELECT", "INSERT", "CREATE", ...), as Neon reports it. */
  command: string;
  /** Row count from the command tag, or null when the tag has none (e.g. CREATE TABLE). */
  rowCount: number | null;
}

export type IsolationLevel = 'ReadUncommitted' | 'ReadCommitted' | 'RepeatableRead' | 'Serializable';

export interface TransactionOptions {
  isolationLevel?: IsolationLevel;
  readOnly: boolean;
  deferrable: boolean;
}

export interface SqlExecutor {
  /** One statement in autocommit mode (extended protocol, so multi-statement strings are rejected as on Neon). */
  query(q: SqlQuery): Promise<SqlResult>;
  /** All statements in one transaction; the first error rolls back and is thrown. */
  transaction(queries: SqlQuery[], opts: TransactionOptions): Promise<SqlResult[]>;
  close(): Promise<void>;
}

/** An error reported by Postgres itself; the HTTP layer turns it into Neon's 400 JSON body. */
export class SqlError extends Error {
  constructor(readonly fields: PgErrorFields) {
    super(fields.message);
    this.name = 'SqlError';
  }
}

/** Mirrors Neon's `parse_command_tag`: "INSERT 0 5" -> INSERT/5, "SELECT 3" -> SELECT/3, "CREATE TABLE" -> CREATE/null. */
export function parseCommandTag(tag: string): { command: string; rowCount: number | null } {
  const space = tag.indexOf(' ');
  if (space < 0) return { command: tag, rowCount: null };
  const command = tag.slice(0, space);
  let rest = tag.slice(space + 1);
  if (command === 'INSERT') {
    const s = rest.indexOf(' ');
    if (s < 0) return { command, rowCount: null };
    rest = rest.slice(s + 1);
  }
  return { command, rowCount: /^\d+$/.test(rest) ? Number(rest) : null };
}

const ISOLATION_SQL: Readonly<Record<IsolationLevel, string>> = {
  ReadUncommitted: 'READ UNCOMMITTED',
  ReadCommitted: 'READ COMMITTED',
  RepeatableRead: 'REPEATABLE READ',
  Serializable: 'SERIALIZABLE',
};

export function isIsolationLevel(v: string): v is IsolationLevel {
  return Object.hasOwn(ISOLATION_SQL, v);
}

export function beginStatement(opts: TransactionOptions): string {
  let sql = 'BEGIN';
  if (opts.isolationLevel) sql += ` ISOLATION LEVEL ${ISOLATION_SQL[opts.isolationLevel]}`;
  if (opts.readOnly) sql += ' READ ONLY';
  if (opts.deferrable) sql += ' DEFERRABLE';
  return sql;
}
