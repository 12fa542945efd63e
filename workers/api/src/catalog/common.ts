/**
 * What the content routes (artists, shows, venues, follows, admin writes) share: `{idOrSlug}` lookups, the
 * columns of a show summary, the "upcoming" rule, slugs, and the mapping of constraint violations to 409/404.
 */
import { and, eq, gt, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Database, PrimaryDatabase, ReadDatabase } from '#shared/db/client';
import { isForeignKeyViolation, isUniqueViolation } from '#shared/db/errors';
import { artists, shows, songs, venues } from '#shared/db/schema';
import { ApiError, errors } from '#shared/errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);

/** `{idOrSlug}`: a uuid is looked up by id, anything else by slug (slugs never have a uuid's shape in practice). */
export function idOrSlug(table: { id: AnyPgColumn; slug: AnyPgColumn }, value: string): SQL {
  return isUuid(value) ? eq(table.id, value.toLowerCase()) : eq(table.slug, value.toLowerCase());
}

/**
 * The lifecycle status, not the clock, says whether a show is still to come: a live show started minutes ago
 * and is still "upcoming" for fans; a completed or cancelled one is past.
 */
export const UPCOMING_STATUSES = ['upcoming', 'live'] as const;
export const PAST_STATUSES = ['completed', 'cancelled'] as const;
export const isUpcoming = () => inArray(shows.status, [...UPCOMING_STATUSES]);
export const isPast = () => inArray(shows.status, [...PAST_STATUSES]);

/** A show's own fields of its summary and its detail. */
export const showColumns = {
  id: shows.id,
  slug: shows.slug,
  startsAt: shows.startsAt,
  status: shows.status,
  votingOpensAt: shows.votingOpensAt,
  votingClosesAt: shows.votingClosesAt,
};

/** A venue as a show summary names it. */
const venueSummaryColumns = {
  id: venues.id,
  slug: venues.slug,
  name: venues.name,
  city: venues.city,
  country: venues.country,
  timeZone: venues.timeZone,
};

/** Select this (from shows, inner-joined with artists and venues) and map each row with toShowSummary. */
export const showSummaryColumns = {
  ...showColumns,
  artist: { id: artists.id, slug: artists.slug, name: artists.name },
  venue: venueSummaryColumns,
};

/** Shows after the last one a date-sorted page served (by start, then id), for its next page. */
export const showsAfter = (cursor: { key: Date; id: string } | undefined) =>
  cursor ? or(gt(shows.startsAt, cursor.key), and(eq(shows.startsAt, cursor.key), gt(shows.id, cursor.id))) : undefined;

/** Shows with their artist and venue, as showSummaryColumns; the caller adds where, order and limit. */
export const selectShowSummaries = (db: Database) =>
  db
    .select(showSummaryColumns)
    .from(shows)
    .innerJoin(artists, eq(artists.id, shows.artistId))
    .innerJoin(venues, eq(venues.id, shows.venueId));

export function toShowSummary<R extends { startsAt: Date; votingOpensAt: Date; votingClosesAt: Date }>(row: R) {
  return {
    ...row,
    startsAt: row.startsAt.toISOString(),
    votingOpensAt: row.votingOpensAt.toISOString(),
    votingClosesAt: row.votingClosesAt.toISOString(),
  };
}

export const artistSummaryColumns = {
  id: artists.id,
  slug: artists.slug,
  name: artists.name,
  genres: artists.genres,
  popularity: artists.popularity,
  imageUrl: artists.imageUrl,
};

export const songColumns = {
  id: songs.id,
  artistId: songs.artistId,
  title: songs.title,
  album: songs.album,
  durationMs: songs.durationMs,
  spotifyId: songs.spotifyId,
  isrc: songs.isrc,
};

export const venueColumns = {
  ...venueSummaryColumns,
  latitude: venues.latitude,
  longitude: venues.longitude,
  capacity: venues.capacity,
  ticketmasterId: venues.ticketmasterId,
};

/** The constraint a Postgres error names (drizzle wraps driver errors; look at the causes too). */
function constraintOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const constraint = (e as { constraint?: unknown }).constraint;
    if (typeof constraint === 'string') return constraint;
  }
  return undefined;
}

/**
 * Turns the constraint violations of a catalogue write into API errors: a taken slug or external id → 409, a
 * missing referenced row (artist, venue) → 404. Anything else is rethrown as is.
 */
export function catalogWriteError(err: unknown): never {
  if (err instanceof ApiError) throw err;
  const constraint = constraintOf(err) ?? '';
  if (isUniqueViolation(err)) {
    if (constraint.endsWith('_slug_key'))
      throw errors.conflict('slug_taken', 'That slug is already in use; choose another.');
    const field = /_(spotify_id|ticketmaster_id|musicbrainz_id|setlistfm_id)_key$/.exec(constraint)?.[1];
    throw errors.conflict(
      'already_exists',
      field ? `Another record already has that ${field.replace(/_/g, ' ')}.` : 'That record already exists.',
    );
  }
  if (isForeignKeyViolation(err)) {
    if (constraint.includes('venue')) throw errors.notFound('venue');
    if (constraint.includes('artist')) throw errors.notFound('artist');
    throw errors.notFound();
  }
  throw err;
}

/** A LIKE pattern that matches `text` literally as a prefix (\ is LIKE's default escape character). */
export const likePrefix = (text: string) => `${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/** Keyset condition `(a, b) > (x, y)` / `<`: one row comparison, which an index on (a, b) can seek. */
export function rowAfter(
  direction: 'asc' | 'desc',
  key: SQL | AnyPgColumn,
  id: AnyPgColumn,
  keyValue: SQL,
  idValue: string,
): SQL {
  return direction === 'asc'
    ? sql`(${key}, ${id}) > (${keyValue}, ${idValue}::uuid)`
    : sql`(${key}, ${id}) < (${keyValue}, ${idValue}::uuid)`;
}

/**
 * A replica for a raw read: drizzle's `withReplicas` routes `select` to replicas but sends `execute` to the
 * primary, so raw read-only SQL picks a replica itself (over HTTP; the primary's own when none is configured).
 */
export function readReplica(db: Database): ReadDatabase | PrimaryDatabase {
  return db.$replicas[Math.floor(Math.random() * db.$replicas.length)] ?? db.$primary;
}
