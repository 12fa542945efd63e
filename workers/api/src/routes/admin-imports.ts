/**
 * Artist imports from the music providers (docs/ingestion.md). Admins start one (it spends provider quota);
 * admins and moderators can follow its progress. The import itself runs on the imports queue.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { IdParams } from '#shared/schemas/catalog';
import { ImportCreate, ImportRecord } from '#shared/schemas/ingest';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { route } from '../http/route';
import { readImport, startImport } from '../imports/records';

export const adminImportRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      method: 'post',
      path: '/admin/imports',
      tag: 'Catalogue administration',
      summary: 'Import an artist from Spotify, Ticketmaster and setlist.fm',
      description:
        'Queues an import: the artist (resolved on Spotify, then Ticketmaster and setlist.fm), the songs of its albums and singles (no live or remix versions, each recording once), and its Ticketmaster shows and venues. Idempotent: importing a current artist again changes nothing. Follow it at `GET /admin/imports/{id}`.',
      auth: 'admin',
      body: ImportCreate,
      response: [202, 'The import, queued.', ImportRecord],
      errors: [400],
    }),
    async (c) => {
      const request = c.req.valid('json');
      const record = await startImport(c.var.database.db.$primary, c.env.IMPORTS, request, c.var.caller!.user.id);
      await recordAudit(c, 'import.start', { type: 'import', id: record.id }, { request });
      c.header('Location', `/v1/admin/imports/${record.id}`);
      return c.json(record, 202);
    },
  )
  .openapi(
    route({
      method: 'get',
      path: '/admin/imports/{id}',
      tag: 'Catalogue administration',
      summary: 'Progress of an import',
      auth: 'staff',
      params: IdParams,
      response: [200, 'The import and its progress per phase.', ImportRecord],
      errors: [400, 404],
    }),
    async (c) => {
      return c.json(await readImport(c.var.database.db.$primary, c.req.valid('param').id), 200);
    },
  );
