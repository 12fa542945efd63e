import { z } from 'zod';

export const Uuid = z.uuid();

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string().optional(),
    }),
  })
  .meta({ id: 'Error' });

/** Opaque cursor pagination: clients pass back `nextCursor` untouched. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

export const isoDate = z.iso.datetime({ offset: true });
