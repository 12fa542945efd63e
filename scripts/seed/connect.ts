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
    return { executor: db, migrate: () => applyMigrations(db), close: () => db.close(), label: `PGlite ${where.pgliteDir}` };
  }
  if (where.databaseUrl) {
    const client = new pg.Client({ connectionString: where.databaseUrl });
    await client.connect();
    const url = new URL(where.databaseUrl);
    url.password = url.password ? '***' : '';
    return { executor: client, migrate: () => applyMigrations(client), close: () => client.end(), label: `Postgres ${url.toString()}` };
  }
  throw new Error('no database: pass --database-url URL (or set DATABASE_URL) or --pglite DIR');
}
