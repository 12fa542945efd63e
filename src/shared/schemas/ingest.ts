/**
 * Imports from the music providers: the admin API's bodies and the messages on the imports queue
 * (docs/ingestion.md). Messages carry `v` so that old messages still in flight during a deploy are recognised.
 */
import { z } from 'zod';
import { Uuid } from './common';

export const ImportCreate = z
  .union([
    z.object({ artistName: z.string().trim().min(1).max(200) }).strict(),
    z
      .object({
        spotifyId: z.string().regex(/^[A-Za-z0-9]{10,40}$/, 'A Spotify artist id, e.g. 4Z8W4fKeB5YxbusRsdQVPb.'),
      })
      .strict(),
  ])
  .meta({
    id: 'ImportCreate',
    description: 'The artist to import: by name (best Spotify match) or by Spotify artist id.',
  });
export type ImportCreate = z.infer<typeof ImportCreate>;

const PhaseCounts = z.object({
  done: z.boolean(),
  pages: z.number().int(),
  inserted: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  next: z.number().int().nullable().optional(),
});

export const ImportProgress = z
  .object({
    artist: z
      .object({
        name: z.string(),
        spotifyId: z.string(),
        ticketmasterId: z.string().nullable(),
        musicbrainzId: z.string().nullable(),
        created: z.boolean(),
      })
      .optional(),
    catalog: PhaseCounts.optional(),
    shows: PhaseCounts.extend({ venuesInserted: z.number().int() }).optional(),
  })
  .meta({
    id: 'ImportProgress',
    description: 'Counters per phase; a second import of a current artist reports only unchanged rows.',
  });
export type ImportProgress = z.infer<typeof ImportProgress>;

export const ImportStatus = z.enum(['queued', 'running', 'done', 'failed']);

export const ImportRecord = z
  .object({
    id: Uuid,
    request: ImportCreate,
    status: ImportStatus,
    artistId: Uuid.nullable(),
    progress: ImportProgress,
    error: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'ImportRecord' });
export type ImportRecord = z.infer<typeof ImportRecord>;

/** One step of an import (or of the setlist job) on the imports queue; every step is idempotent. */
export const ImportStep = z.discriminatedUnion('step', [
  z.object({ v: z.literal(1), step: z.literal('artist'), importId: Uuid }),
  z.object({ v: z.literal(1), step: z.literal('catalog'), importId: Uuid, offset: z.number().int().min(0) }),
  z.object({ v: z.literal(1), step: z.literal('shows'), importId: Uuid, page: z.number().int().min(0) }),
  z.object({ v: z.literal(1), step: z.literal('setlist'), showId: Uuid }),
]);
export type ImportStep = z.infer<typeof ImportStep>;
