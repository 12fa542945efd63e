/**
 * The database for one test run, created from zero: an in-memory PGlite by default, or — with
 * TEST_DATABASE_URL — a real Postgres whose schema is dropped and rebuilt. Either way the migrations
 * are applied by drizzle's migrator from migrations/, which is the "migrations apply from zero" check.
 */
import pg from 'pg';
import { applyMigrations } from '../../scripts/db/migrate';
import { type LocalDatabase, startLocalDatabase } from '../../scripts/local-db/index';

export interface TestDatabase {
  relayAddress: string;
  databaseUrl: string;
  /** The EU database of per-fan residency: a second PGlite on the relay; empty against a real Postgres. */
  databaseUrlEu: string;
  mode: 'pglite' | 'postgres';
  close(): Promise<void>;
}

/** The relay dials its own upstream for this host (any but EU_HOST); PGlite ignores the credentials. */
const PGLITE_URL = 'postgres://mysetlist:mysetlist@localhost:5432/mysetlist';
/** The relay routes this host to its second PGlite. */
export const EU_HOST = 'eu.localhost';
const PGLITE_EU_URL = `postgres://mysetlist:mysetlist@${EU_HOST}:5432/mysetlist`;

export async function startTestDatabase(log: (line: string) => void): Promise<TestDatabase> {
  const upstreamUrl = process.env.TEST_DATABASE_URL;
  let local: LocalDatabase;
  if (upstreamUrl) {
    const client = new pg.Client({ connectionString: upstreamUrl });
    await client.connect();
    try {
      await client.query(
        'drop schema if exists public cascade; drop schema if exists drizzle cascade; create schema public;',
      );
      await applyMigrations(client);
    } finally {
      await client.end();
    }
    local = await startLocalDatabase({ upstreamUrl, log });
  } else {
    local = await startLocalDatabase({ log, extraDatabases: [{ host: EU_HOST }] });
    await applyMigrations(local.pglite!);
    await applyMigrations(local.extra[EU_HOST]!);
  }
  return {
    relayAddress: local.relayAddress,
    databaseUrl: upstreamUrl ?? PGLITE_URL,
    databaseUrlEu: upstreamUrl ? '' : PGLITE_EU_URL,
    mode: upstreamUrl ? 'postgres' : 'pglite',
    close: () => local.close(),
  };
}
