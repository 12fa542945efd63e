/**
 * Artist imports as admins start and follow them (routes/admin-imports.ts, docs/ingestion.md): the row that tracks
 * one, and its first step on the imports queue. The steps themselves run in the queue-consumers worker.
 */
import { eq } from 'drizzle-orm';
import type { PrimaryDatabase } from '#shared/db/client';
import { type Import, imports } from '#shared/db/schema';
import { errors } from '#shared/errors';
import type { ImportCreate, ImportProgress, ImportRecord, ImportStep } from '#shared/schemas/ingest';

function toRecord(row: Import): ImportRecord {
  // progress.steps is the steps' own bookkeeping (which pages are done), not part of the API.
  const { steps: _steps, ...progress } = (row.progress ?? {}) as ImportProgress & { steps?: string[] };
  return {
    id: row.id,
    request: row.request as ImportCreate,
    status: row.status,
    artistId: row.artistId,
    progress,
    error: row.error,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

/** Records the import and queues its first step. */
export async function startImport(
  db: PrimaryDatabase,
  queue: Queue,
  request: ImportCreate,
  requestedBy: string,
): Promise<ImportRecord> {
  const [row] = await db.insert(imports).values({ request, requestedBy }).returning();
  const first: ImportStep = { v: 1, step: 'artist', importId: row!.id };
  await queue.send(first);
  return toRecord(row!);
}

/** 404 for an unknown import. Read from the primary: progress changes every few seconds and a replica may lag. */
export async function readImport(db: PrimaryDatabase, id: string): Promise<ImportRecord> {
  const [row] = await db.select().from(imports).where(eq(imports.id, id));
  if (!row) throw errors.notFound('import');
  return toRecord(row);
}
