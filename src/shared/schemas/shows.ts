import { z } from 'zod';
import { PageQuery, Uuid } from './common';

export const ShowStatus = z.enum(['upcoming', 'live', 'completed', 'cancelled']);
export type ShowStatus = z.infer<typeof ShowStatus>;

export const ShowListQuery = PageQuery.extend({
  status: ShowStatus.optional(),
  artistId: Uuid.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
});
export type ShowListQuery = z.infer<typeof ShowListQuery>;

export const ShowSummary = z
  .object({
    id: Uuid,
    slug: z.string(),
    startsAt: z.string(),
    status: ShowStatus,
    votingOpensAt: z.string(),
    votingClosesAt: z.string(),
    artist: z.object({ id: Uuid, slug: z.string(), name: z.string() }),
    venue: z.object({ id: Uuid, slug: z.string(), name: z.string(), city: z.string(), country: z.string(), timeZone: z.string() }),
  })
  .meta({ id: 'ShowSummary' });
export type ShowSummary = z.infer<typeof ShowSummary>;

export const ShowList = z
  .object({ items: z.array(ShowSummary), nextCursor: z.string().nullable() })
  .meta({ id: 'ShowList' });
export type ShowList = z.infer<typeof ShowList>;
