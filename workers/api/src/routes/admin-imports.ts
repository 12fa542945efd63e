/**
 * Artist imports from the music providers (docs/ingestion.md). Admins start one (it spends provider quota);
 * admins and moderators can follow its progress. The import itself runs on the imports queue.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { type Import, imports } from '#shared/db/schema';
import { errors } from '#shared/errors';
import { IdParams } from '#shared/schemas/catalog';
import { ImportCreate, type ImportProgress, ImportRecord, type ImportStep } from '#shared/schemas/ingest';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { errorResponses, json, SIGNED_IN } from '../http/openapi';
import { requireRole } from '../middleware/session/require-role';

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

export const adminImportRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'post',
      path: '/admin/imports',
      tags: ['Catalogue administration'],
      summary: 'Import an artist from Spotify, Ticketmaster and setlist.fm',
      description:
        'Queues an import: the artist (resolved on Spotify, then Ticketmaster and setlist.fm), the songs of its albums and singles (no live or remix versions, each recording once), and its Ticketmaster shows and venues. Idempotent: importing a current artist again changes nothing. Follow it at `GET /admin/imports/{id}`.',
      middleware: [requireRole('admin')] as const,
      security: SIGNED_IN,
      request: { body: { ...json(ImportCreate), required: true } },
      responses: {
        202: { description: 'The import, queued.', ...json(ImportRecord) },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const request = c.req.valid('json');
      const [row] = await c.var.database.db.$primary
        .insert(imports)
        .values({ request, requestedBy: c.var.caller!.user.id })
        .returning();
      const step: ImportStep = { v: 1, step: 'artist', importId: row!.id };
      await c.env.IMPORTS.send(step);
      await recordAudit(c, 'import.start', { type: 'import', id: row!.id }, { request });
      c.header('Location', `/v1/admin/imports/${row!.id}`);
      return c.json(toRecord(row!), 202);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/admin/imports/{id}',
      tags: ['Catalogue administration'],
      summary: 'Progress of an import',
      middleware: [requireRole('moderator', 'admin')] as const,
      security: SIGNED_IN,
      request: { params: IdParams },
      responses: {
        200: { description: 'The import and its progress per phase.', ...json(ImportRecord) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      // From the primary: progress changes every few seconds and a replica may lag behind it.
      const [row] = await c.var.database.db.$primary.select().from(imports).where(eq(imports.id, id));
      if (!row) throw errors.notFound('import');
      return c.json(toRecord(row), 200);
    },
  );
