/**
 * The disaster-recovery drill's backup, destruction and restore of the local database, the stand-ins for what
 * Neon does (docs/operations.md, "Recovery"):
 *
 * - PGlite: `dumpDataDir()` waits until no relay client holds the database (a whole statement or transaction) and
 *   tars the data directory: a consistent copy taken while votes flow (they wait for it, as behind a lock).
 *   Destroyed: the relay and PGlite closed, the data directory deleted. Restored: a new PGlite from the tarball.
 * - PostgreSQL (--database-url): `pg_dump --format=custom` (one MVCC snapshot, taken while votes flow);
 *   destroyed: `drop database … with (force)`; restored: `create database` and `pg_restore`.
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import type { DrillStack } from './stack';

const run = promisify(execFile);

export interface Backup {
  /** When the backup's snapshot was taken (PGlite: once it had the database to itself). */
  takenAt: Date;
  durationMs: number;
  bytes: number;
  file: string;
}

export async function takeBackup(stack: DrillStack, databaseUrl: string | undefined, file: string): Promise<Backup> {
  const started = Date.now();
  if (databaseUrl) {
    const takenAt = new Date();
    await run('pg_dump', ['--format=custom', '--no-owner', '--file', file, databaseUrl]);
    return { takenAt, durationMs: Date.now() - started, bytes: statSync(file).size, file };
  }
  const pglite = stack.database().pglite;
  if (!pglite) throw new Error('no PGlite instance to dump');
  let takenAt = new Date();
  // dumpDataDir enters PGlite's query lock, which every relay lease holds: wrap it to see when it got in.
  const dump = await pglite._runExclusiveTransaction(async () => {
    takenAt = new Date();
    return pglite.dumpDataDir('none');
  });
  const bytes = Buffer.from(await dump.arrayBuffer());
  writeFileSync(file, bytes);
  return { takenAt, durationMs: Date.now() - started, bytes: bytes.length, file };
}

function maintenanceUrl(databaseUrl: string): { admin: string; name: string } {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  return { admin: url.toString(), name };
}

async function onMaintenance(databaseUrl: string, statement: (name: string) => string): Promise<void> {
  const { admin, name } = maintenanceUrl(databaseUrl);
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(statement(name.replaceAll('"', '""')));
  } finally {
    await client.end();
  }
}

/** The database is gone: its relay closed and its data deleted (PGlite), or the database dropped (PostgreSQL). */
export async function destroyDatabase(stack: DrillStack, databaseUrl: string | undefined): Promise<void> {
  await stack.stopDatabase();
  if (databaseUrl) await onMaintenance(databaseUrl, (name) => `drop database "${name}" with (force)`);
  // PGlite's directory is emptied by startDatabase({ loadDataDir }) before it loads the dump.
}

export async function restoreDatabase(
  stack: DrillStack,
  databaseUrl: string | undefined,
  backup: Backup,
): Promise<void> {
  if (databaseUrl) {
    await onMaintenance(databaseUrl, (name) => `create database "${name}"`);
    await run('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', databaseUrl, backup.file]);
    await stack.startDatabase();
    return;
  }
  await stack.startDatabase({ loadDataDir: new Blob([readFileSync(backup.file)]) });
}
