/**
 * Artists, venues and shows as admins and moderators create and change them (routes/admin-catalog.ts; songs are
 * in songs.ts). Each change returns what it replaced, for the audit entry. Constraint violations become API
 * errors (catalogWriteError): a taken slug or external id 409, an unknown artist or venue 404.
 */
import { eq } from 'drizzle-orm';
import type { PrimaryDatabase } from '#shared/db/client';
import { type Artist as ArtistRow, artists, type Show as ShowRow, shows, venues } from '#shared/db/schema';
import { errors } from '#shared/errors';
import type {
  Artist,
  ArtistCreate,
  ArtistUpdate,
  ShowCreate,
  ShowRecord,
  ShowUpdate,
  Venue,
  VenueCreate,
  VenueUpdate,
} from '#shared/schemas/catalog';
import { slugify } from '#shared/slug';
import { DAY_MS } from '#shared/time';
import { catalogWriteError, venueColumns } from './common';

/** Default voting window of a new show: opens this long before the start, closes at the start. */
export const DEFAULT_VOTING_DAYS = 30;

/** A change and the values it replaced (`from`: only the fields the change sets). */
export interface Changed<T> {
  after: T;
  from: Record<string, unknown>;
}

const toArtist = ({ createdAt, updatedAt, ...artist }: ArtistRow): Artist => ({
  ...artist,
  createdAt: createdAt.toISOString(),
  updatedAt: updatedAt.toISOString(),
});
export const toShowRecord = (show: ShowRow): ShowRecord => ({
  id: show.id,
  slug: show.slug,
  artistId: show.artistId,
  venueId: show.venueId,
  startsAt: show.startsAt.toISOString(),
  status: show.status,
  votingOpensAt: show.votingOpensAt.toISOString(),
  votingClosesAt: show.votingClosesAt.toISOString(),
  ticketmasterId: show.ticketmasterId,
  setlistfmId: show.setlistfmId,
});

/** A slug made from a name; names without a single latin letter or digit get a random one. */
const slugOr = (text: string, prefix: string) => slugify(text) || `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

/** The fields of `before` that `changes` sets, for the audit entry's `from`. */
export function previous(before: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(changes)
      .filter((key) => changes[key] !== undefined)
      .map((key) => [key, before[key] instanceof Date ? (before[key] as Date).toISOString() : before[key]]),
  );
}

const invalidVotingWindow = () =>
  errors.unprocessable('invalid_voting_window', 'votingOpensAt must not be after votingClosesAt.');

export async function createArtist(db: PrimaryDatabase, body: ArtistCreate): Promise<Artist> {
  const values = { ...body, slug: body.slug ?? slugOr(body.name, 'artist') };
  const [artist] = await db.insert(artists).values(values).returning().catch(catalogWriteError);
  return toArtist(artist!);
}

/** 404 for an unknown artist. */
export async function updateArtist(db: PrimaryDatabase, id: string, changes: ArtistUpdate): Promise<Changed<Artist>> {
  const [before] = await db.select().from(artists).where(eq(artists.id, id));
  if (!before) throw errors.notFound('artist');
  const [artist] = await db
    .update(artists)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(artists.id, id))
    .returning()
    .catch(catalogWriteError);
  if (!artist) throw errors.notFound('artist');
  return { after: toArtist(artist), from: previous(before, changes) };
}

/** The slug names the city too, unless the name already does. */
export async function createVenue(db: PrimaryDatabase, body: VenueCreate): Promise<Venue> {
  const named = body.name.toLowerCase().includes(body.city.toLowerCase()) ? body.name : `${body.name} ${body.city}`;
  const values = { ...body, country: body.country.toUpperCase(), slug: body.slug ?? slugOr(named, 'venue') };
  const [venue] = await db.insert(venues).values(values).returning(venueColumns).catch(catalogWriteError);
  return venue!;
}

/** 404 for an unknown venue. `changes` is the body as stored (the country upper-cased). */
export async function updateVenue(
  db: PrimaryDatabase,
  id: string,
  body: VenueUpdate,
): Promise<Changed<Venue> & { changes: VenueUpdate }> {
  const changes = { ...body, ...(body.country ? { country: body.country.toUpperCase() } : {}) };
  const [before] = await db.select().from(venues).where(eq(venues.id, id));
  if (!before) throw errors.notFound('venue');
  const [venue] = await db
    .update(venues)
    .set(changes)
    .where(eq(venues.id, id))
    .returning(venueColumns)
    .catch(catalogWriteError);
  if (!venue) throw errors.notFound('venue');
  return { after: venue, from: previous(before, changes), changes };
}

/**
 * 404 for an unknown artist or venue, 422 for a voting window that opens after it closes. Without a window the
 * show's opens DEFAULT_VOTING_DAYS before the start and closes at the start; without a slug it is
 * artist-city-date.
 */
export async function createShow(db: PrimaryDatabase, body: ShowCreate): Promise<ShowRow> {
  const [[artist], [venue]] = await Promise.all([
    db.select({ slug: artists.slug }).from(artists).where(eq(artists.id, body.artistId)),
    db.select({ city: venues.city }).from(venues).where(eq(venues.id, body.venueId)),
  ]);
  if (!artist) throw errors.notFound('artist');
  if (!venue) throw errors.notFound('venue');
  const startsAt = new Date(body.startsAt);
  const votingClosesAt = body.votingClosesAt ? new Date(body.votingClosesAt) : startsAt;
  const votingOpensAt = body.votingOpensAt
    ? new Date(body.votingOpensAt)
    : new Date(Math.min(startsAt.getTime() - DEFAULT_VOTING_DAYS * DAY_MS, votingClosesAt.getTime()));
  if (votingOpensAt > votingClosesAt) throw invalidVotingWindow();
  const slug = body.slug ?? `${artist.slug}-${slugOr(venue.city, 'city')}-${body.startsAt.slice(0, 10)}`;
  const [show] = await db
    .insert(shows)
    .values({ ...body, slug, startsAt, votingOpensAt, votingClosesAt })
    .returning()
    .catch(catalogWriteError);
  return show!;
}

/** 404 for an unknown show, 422 when the voting window would open after it closes. */
export async function updateShow(db: PrimaryDatabase, id: string, body: ShowUpdate): Promise<Changed<ShowRow>> {
  const [before] = await db.select().from(shows).where(eq(shows.id, id));
  if (!before) throw errors.notFound('show');
  const { startsAt, votingOpensAt, votingClosesAt, ...rest } = body;
  const changes = {
    ...rest,
    ...(startsAt ? { startsAt: new Date(startsAt) } : {}),
    ...(votingOpensAt ? { votingOpensAt: new Date(votingOpensAt) } : {}),
    ...(votingClosesAt ? { votingClosesAt: new Date(votingClosesAt) } : {}),
  };
  if ((changes.votingOpensAt ?? before.votingOpensAt) > (changes.votingClosesAt ?? before.votingClosesAt))
    throw invalidVotingWindow();
  const [show] = await db
    .update(shows)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(shows.id, id))
    .returning()
    .catch(catalogWriteError);
  if (!show) throw errors.notFound('show');
  return { after: show, from: previous(before, changes) };
}
