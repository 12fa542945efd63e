/** The venue list (by name) and a venue's page, for GET /v1/venues and /v1/venues/{idOrSlug}. */
import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Database } from '#shared/db/client';
import { shows, venues } from '#shared/db/schema';
import type { VenueDetail, VenueList, VenueListQuery } from '#shared/schemas/catalog';
import { cursorKeys, decodeSortedCursor, keysetPage } from '../http/pagination';
import { idOrSlug, isUpcoming, rowAfter, selectShowSummaries, toShowSummary, venueColumns } from './common';

/** How many upcoming shows the venue page carries; the full list is GET /shows?venueId=. */
export const VENUE_PAGE_SHOWS = 20;

export async function listVenues(
  db: Database,
  query: z.infer<typeof VenueListQuery>,
): Promise<z.infer<typeof VenueList>> {
  // Cursor: { k: name of the last venue, id }; one sort only.
  const cursor = decodeSortedCursor(query.cursor, 'name', 'name', cursorKeys.text);
  const filters: (SQL | undefined)[] = [
    query.country ? eq(venues.country, query.country.toUpperCase()) : undefined,
    query.city ? sql`search_key(${venues.city}) = search_key(${query.city})` : undefined,
    cursor ? rowAfter('asc', venues.name, venues.id, sql`${cursor.key}::text`, cursor.id) : undefined,
  ];
  const rows = await db
    .select(venueColumns)
    .from(venues)
    .where(and(...filters))
    .orderBy(asc(venues.name), asc(venues.id))
    .limit(query.limit + 1);
  const { page, nextCursor } = keysetPage(rows, query.limit, (last) => ({ k: last.name, id: last.id }));
  return { items: page, nextCursor };
}

/** The venue with its next upcoming shows; undefined if there is none. */
export async function readVenueDetail(
  db: Database,
  venueIdOrSlug: string,
): Promise<z.infer<typeof VenueDetail> | undefined> {
  const [venue] = await db.select(venueColumns).from(venues).where(idOrSlug(venues, venueIdOrSlug));
  if (!venue) return undefined;
  const upcoming = await selectShowSummaries(db)
    .where(and(eq(shows.venueId, venue.id), isUpcoming()))
    .orderBy(asc(shows.startsAt), asc(shows.id))
    .limit(VENUE_PAGE_SHOWS);
  return { ...venue, upcomingShows: upcoming.map(toShowSummary) };
}
