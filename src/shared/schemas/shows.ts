import { z } from 'zod';
import { CountryCode, cursorPage, IsoDateTime, PageQuery, Uuid } from './common';

export const ShowStatus = z.enum(['upcoming', 'live', 'completed', 'cancelled']).meta({ id: 'ShowStatus' });
export type ShowStatus = z.infer<typeof ShowStatus>;

export const ShowSort = z.enum(['date', 'trending']).meta({ id: 'ShowSort' });
export type ShowSort = z.infer<typeof ShowSort>;

export const ShowListQuery = PageQuery.extend({
  status: ShowStatus.optional(),
  artistId: Uuid.optional(),
  venueId: Uuid.optional(),
  city: z.string().trim().min(1).max(100).optional().describe('Exact city, ignoring case and accents.'),
  country: CountryCode.optional(),
  from: IsoDateTime.optional().describe('Shows starting at or after this instant.'),
  to: IsoDateTime.optional().describe('Shows starting before this instant.'),
  sort: ShowSort.default('date').describe('date (soonest first) or trending (score high→low; unscored = 0).'),
}).refine((q) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to), {
  message: 'from must not be after to.',
  path: ['to'],
});
export type ShowListQuery = z.infer<typeof ShowListQuery>;

/** Where a show is: what a show summary says of its venue, and the first fields of a venue (catalog.ts). */
export const VenuePlace = z.object({
  id: Uuid,
  slug: z.string(),
  name: z.string(),
  city: z.string(),
  country: z.string(),
  timeZone: z.string(),
});

export const ShowSummary = z
  .object({
    id: Uuid,
    slug: z.string(),
    startsAt: z.string(),
    status: ShowStatus,
    votingOpensAt: z.string(),
    votingClosesAt: z.string(),
    artist: z.object({ id: Uuid, slug: z.string(), name: z.string() }),
    venue: VenuePlace,
  })
  .meta({ id: 'ShowSummary' });
export type ShowSummary = z.infer<typeof ShowSummary>;

export const ShowList = cursorPage(ShowSummary).meta({ id: 'ShowList' });
export type ShowList = z.infer<typeof ShowList>;
