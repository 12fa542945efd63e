/**
 * Seeds a migrated database with demo data, once: a database that already holds the demo fan is left
 * alone unless `force` is set, which empties the domain tables first.
 *
 * Everything happens in ONE transaction, so a failed or interrupted seed leaves no partial data and a
 * database is either seeded or not. An advisory lock makes two concurrent seeders take turns, and the
 * second then finds the demo fan and skips.
 */
import { DEMO_ACCOUNTS, DEMO_FAN, type DemoAccount, hashSeedPasswords, SHARED_PASSWORD } from './accounts';
import { type CountOverrides, generateSeed, planCounts, type SeedPlan } from './generate';
import { DOMAIN_TABLES, insertBatch, resultRows, type SqlExecutor } from './insert';
import { COUNT_KEY, emptyCounts, type SeedCounts, type SeedTable } from './rows';

export type { SqlExecutor } from './insert';
export type { SeedCounts } from './rows';

export interface SeedProgress {
  /** The table a batch was just written to. */
  table: SeedTable;
  /** Rows written so far, per table. */
  counts: SeedCounts;
  /** Exact final counts of the tables that have one (artists, venues, generated users, shows). */
  plan: SeedPlan;
  elapsedMs: number;
}

export interface SeedOptions {
  scale?: number;
  /** Exact counts replacing the scale's for some entities (CLI: --artists, --venues, --users, --shows). */
  counts?: CountOverrides;
  seed?: number;
  /** Reference instant for past/live/upcoming; see generate.ts. */
  now: Date;
  force?: boolean;
  chunkSize?: number;
  onProgress?: (progress: SeedProgress) => void;
}

export interface DemoLogins {
  accounts: readonly DemoAccount[];
  /** Password of every generated user (emails like `first.last123@example.com`). */
  sharedPassword: string;
}

export type SeedResult =
  | { status: 'seeded'; counts: SeedCounts; elapsedMs: number; logins: DemoLogins }
  | { status: 'skipped'; logins: DemoLogins };

/** Any 64-bit key works; it only has to be the same for every seeder. */
const SEED_LOCK_KEY = 7_312_025;

const LOGINS: DemoLogins = { accounts: DEMO_ACCOUNTS, sharedPassword: SHARED_PASSWORD };

export async function isSeeded(db: SqlExecutor): Promise<boolean> {
  return resultRows(await db.query('SELECT 1 FROM users WHERE email = $1', [DEMO_FAN.email])).length > 0;
}

export async function seedDatabase(db: SqlExecutor, options: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const scale = options.scale ?? 1;
  const seed = options.seed ?? 1;
  const plan = planCounts(scale, options.counts);
  // Hashing first (~0.3 s of PBKDF2), outside the transaction, so no lock is held meanwhile.
  const passwords = await hashSeedPasswords(seed);

  await db.query('BEGIN');
  try {
    await db.query('SELECT pg_advisory_xact_lock($1)', [SEED_LOCK_KEY]);
    if (await isSeeded(db)) {
      if (!options.force) {
        await db.query('ROLLBACK');
        return { status: 'skipped', logins: LOGINS };
      }
    }
    if (options.force) await db.query(`TRUNCATE ${DOMAIN_TABLES.join(', ')} CASCADE`);

    const counts = emptyCounts();
    let pending: Promise<void> | undefined;
    const batches = generateSeed({
      scale,
      seed,
      now: options.now,
      passwords,
      chunkSize: options.chunkSize,
      counts: options.counts,
    });
    // Pipelining by one: the next chunk is generated (CPU in this process) while the database is still
    // writing the previous one (CPU in the server), and at most two chunks are alive at a time.
    for (const batch of batches) {
      if (pending) await pending;
      pending = insertBatch(db, batch).then(() => {
        counts[COUNT_KEY[batch.table]] += batch.rows.length;
        options.onProgress?.({
          table: batch.table,
          counts: { ...counts },
          plan,
          elapsedMs: performance.now() - started,
        });
      });
    }
    if (pending) await pending;
    await db.query('COMMIT');
    // Fresh statistics, so the first queries against the new data get sensible plans.
    await db.query(`ANALYZE ${DOMAIN_TABLES.join(', ')}`);
    return { status: 'seeded', counts, elapsedMs: performance.now() - started, logins: LOGINS };
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
