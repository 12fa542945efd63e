/**
 * Applies migrations/ with drizzle's own migrators, so the journal table (drizzle.__drizzle_migrations)
 * is the same one `drizzle-kit migrate` maintains: running either afterwards is a no-op.
 */
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type pg from 'pg';

/** Resolved from this file, not the working directory, so the script works from anywhere. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

export type MigrationTarget = PGlite | pg.Client | pg.PoolClient | pg.Pool;

export async function applyMigrations(target: MigrationTarget): Promise<void> {
  const config = { migrationsFolder: MIGRATIONS_FOLDER };
  if (target instanceof PGlite) {
    await migratePglite(drizzlePglite({ client: target }), config);
  } else {
    await migrateNodePg(drizzleNodePg({ client: target }), config);
  }
}
