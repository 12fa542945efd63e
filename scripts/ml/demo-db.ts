/**
 * A fresh in-memory PGlite with the schema and the deterministic demo data: what the offline ML scripts train
 * and evaluate on. The same options give the same rows (scripts/seed/README.md), so figures are reproducible.
 */
import type { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { applyMigrations } from '../db/migrate';
import { openPglite } from '../db/pglite';
import { seedDatabase } from '../seed/index';

export interface DemoDbOptions {
  scale: number;
  seed: number;
  now: Date;
}

/**
 * The anchor date of the committed figures and model: fixed rather than "today", so that re-running a script
 * on another day reproduces them exactly.
 */
export const DEFAULT_NOW = '2026-11-01T00:00:00.000Z';

export async function openDemoDb(options: DemoDbOptions) {
  const pglite: PGlite = await openPglite();
  await applyMigrations(pglite);
  const seeded = await seedDatabase(pglite, { scale: options.scale, seed: options.seed, now: options.now });
  if (seeded.status !== 'seeded') throw new Error('the fresh database was unexpectedly seeded already');
  return { pglite, db: drizzle({ client: pglite }), counts: seeded.counts, close: () => pglite.close() };
}
