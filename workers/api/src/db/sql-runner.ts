import type { SQL } from 'drizzle-orm';

/**
 * What the ML jobs (forecast/, recommend/) need from a database: raw statements with rows back. The workers' drizzle (Neon),
 * the scripts' drizzle (PGlite, node-postgres) all fit, so one statement serves the cron, the API and the
 * offline training/evaluation scripts, which can then never drift from one another.
 */
export interface SqlRunner {
  execute(query: SQL): PromiseLike<{ rows: unknown[] }>;
}

/** Runs `query` and returns its rows as `T` (the statement's own column list is what makes them `T`). */
export async function rowsOf<T extends Record<string, unknown>>(db: SqlRunner, query: SQL): Promise<T[]> {
  return (await db.execute(query)).rows as T[];
}
