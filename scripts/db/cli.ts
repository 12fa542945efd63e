/**
 * npm run db:migrate   apply migrations/ to the local database (or DATABASE_URL)
 * npm run db:reset     throw the local data away and rebuild it: schema, demo data, and the rooms'
 *                      Durable Object storage (which would otherwise remember votes of a database
 *                      that no longer exists)
 * npm run db:rebuild-leaderboards
 *                      recompute the leaderboards' rollups (fan_totals, fan_period_totals, fan_artist_totals,
 *                      fan_artist_period_totals) from fan_scores: after fan_scores were fixed by hand, or to check
 *                      them (idempotent; src/shared/scoring/rollups.ts)
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import type { PrimaryDatabase } from '#shared/db/client';
import { rebuildLeaderboardRollups } from '#shared/scoring/rollups';
import { seedDatabase } from '../seed/index';
import { utcMidnight } from '../seed/time';
import { applyMigrations } from './migrate';
import { openPglite } from './pglite';

const root = resolve(import.meta.dirname, '../..');
const dataDir = resolve(root, process.env.MYSETLIST_DATA_DIR ?? '.data');
const command = process.argv[2];

async function devIsRunning(): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${process.env.PORT ?? 8787}/health`, { signal: AbortSignal.timeout(500) });
    return true;
  } catch {
    return false;
  }
}

async function withDatabase(fn: (db: PGlite | pg.Client) => Promise<void>, fresh: boolean): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      if (fresh)
        await client.query(
          'drop schema if exists public cascade; drop schema if exists drizzle cascade; create schema public;',
        );
      await fn(client);
    } finally {
      await client.end();
    }
    return;
  }
  const dir = resolve(dataDir, 'pglite');
  if (fresh) rmSync(dir, { recursive: true, force: true });
  const db = await openPglite(dir);
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}

async function main(): Promise<void> {
  if (command !== 'migrate' && command !== 'reset' && command !== 'rebuild-leaderboards') {
    console.error('usage: tsx scripts/db/cli.ts migrate|reset|rebuild-leaderboards');
    process.exit(2);
  }
  if (command === 'rebuild-leaderboards' && process.env.DATABASE_URL) {
    // A server (or Neon) takes it while the workers run: the rebuild locks out writers only, for its duration.
    await withDatabase(rebuildLeaderboards, false);
    return;
  }
  if (await devIsRunning()) {
    console.error('npm run dev is running: stop it first (the embedded database has one owner at a time).');
    process.exit(1);
  }
  const target = process.env.DATABASE_URL ? 'DATABASE_URL' : resolve(dataDir, 'pglite');
  if (command === 'migrate') {
    await withDatabase(applyMigrations, false);
    console.log(`migrations applied to ${target}`);
    return;
  }
  if (command === 'rebuild-leaderboards') {
    await withDatabase(rebuildLeaderboards, false);
    return;
  }
  rmSync(resolve(dataDir, 'wrangler'), { recursive: true, force: true });
  await withDatabase(async (db) => {
    await applyMigrations(db);
    const result = await seedDatabase(db, { now: new Date(utcMidnight(Date.now())) });
    if (result.status === 'seeded')
      console.log(`rebuilt ${target}: ${JSON.stringify(result.counts)} in ${(result.elapsedMs / 1000).toFixed(1)} s`);
  }, true);
}

async function rebuildLeaderboards(client: PGlite | pg.Client): Promise<void> {
  // Both drizzle drivers run the same statements; the function is typed for the workers' Neon driver.
  const db = (client instanceof pg.Client ? drizzleNodePg({ client }) : drizzlePglite({ client })) as unknown;
  const started = Date.now();
  const outcome = await rebuildLeaderboardRollups(db as PrimaryDatabase);
  console.log(`leaderboard rollups rebuilt in ${Date.now() - started} ms: ${JSON.stringify(outcome)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
