/** Opens the database a seed CLI points at: a PGlite directory, or a Postgres URL through node-postgres. */
import pg from 'pg';
import { applyMigrations } from '../db/migrate';
import { openPglite } from '../db/pglite';
import type { SqlExecutor } from './insert';

export interface DatabaseTarget {
  /** One session (a pg.Client, not a Pool): the seed's transaction must stay on it. */
  executor: SqlExecutor;
  migrate(): Promise<void>;
  close(): Promise<void>;
  label: string;
}

export async function openTarget(where: { databaseUrl?: string; pgliteDir?: string }): Promise<DatabaseTarget> {
  if (where.pgliteDir) {
    const db = await openPglite(where.pgliteDir);
    return {
      executor: db,
      migrate: () => applyMigrations(db),
      close: () => db.close(),
      label: `PGlite ${where.pgliteDir}`,
    };
  }
  if (where.databaseUrl) {
    const client = new pg.Client({ connectionString: where.databaseUrl });
    await client.connect();
    const url = new URL(where.databaseUrl);
    url.password = url.password ? '***' : '';
    return {
      executor: client,
      migrate: () => applyMigrations(client),
      close: () => client.end(),
      label: `Postgres ${url.toString()}`,
    };
  }
  throw new Error('no database: pass --database-url URL (or set DATABASE_URL) or --pglite DIR');
}

/**
 * Creates the database a Postgres URL names, when the server does not have it yet (connecting to the
 * server's `postgres` database to do so). Returns whether it created it.
 */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!name) throw new Error(`no database name in ${url.origin}`);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return true;
  } finally {
    await client.end();
  }
}
