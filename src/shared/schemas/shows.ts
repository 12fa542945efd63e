import { z } from 'zod';
import { PageQuery, Uuid } from './common';

export const ShowStatus = z.enum(['upcoming', 'live', 'completed', 'cancelled']).meta({ id: 'ShowStatus' });
export type ShowStatus = z.infer<typeof ShowStatus>;

export const ShowSort = z.enum(['date', 'trending']).meta({ id: 'ShowSort' });
export type ShowSort = z.infer<typeof ShowSort>;

export const ShowListQuery = PageQuery.extend({
  status: ShowStatus.optional(),
  artistId: Uuid.optional(),
  venueId: Uuid.optional(),
  city: z.string().trim().min(1).max(100).optional().describe('Exact city, ignoring case and accents.'),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'Use an ISO 3166-1 alpha-2 code, e.g. DE.')
    .optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('Shows starting at or after this instant.'),
  to: z.iso.datetime({ offset: true }).optional().describe('Shows starting before this instant.'),
  sort: ShowSort.default('date').describe('date (soonest first) or trending (score high→low; unscored = 0).'),
}).refine((q) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to), {
  message: 'from must not be after to.',
  path: ['to'],
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
    venue: z.object({
      id: Uuid,
      slug: z.string(),
      name: z.string(),
      city: z.string(),
      country: z.string(),
      timeZone: z.string(),
    }),
  })
  .meta({ id: 'ShowSummary' });
export type ShowSummary = z.infer<typeof ShowSummary>;

export const ShowList = z
  .object({ items: z.array(ShowSummary), nextCursor: z.string().nullable() })
  .meta({ id: 'ShowList' });
export type ShowList = z.infer<typeof ShowList>;
