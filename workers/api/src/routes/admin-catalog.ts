import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { type Artist as ArtistRow, artists, type Show as ShowRow, shows, venues } from '#shared/db/schema';
import { ApiError, errors } from '#shared/errors';
import { placedRoom } from '#shared/regions/room-address';
import {
  Artist,
  ArtistCreate,
  ArtistUpdate,
  IdParams,
  ShowCreate,
  ShowRecord,
  ShowUpdate,
  Song,
  SongCreate,
  SongRemoval,
  SongUpdate,
  Venue,
  VenueCreate,
  VenueUpdate,
} from '#shared/schemas/catalog';
import { slugify } from '#shared/slug';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { invalidateCatalog } from '../cache/invalidate';
import { catalogWriteError, venueColumns } from '../catalog/common';
import { addSong, removeSong, restoreSong, updateSong } from '../catalog/songs';
import { errorResponses, json, SIGNED_IN } from '../http/openapi';
import { unwrapRoom } from '../live/room-result';
import { requireRole } from '../middleware/session/require-role';
import { announceShow } from '../notifications/announce';

const DAY_MS = 86_400_000;
/** Default voting window of a new show: opens this long before the start, closes at the start. */
export const DEFAULT_VOTING_DAYS = 30;

const toArtist = ({ createdAt, updatedAt, ...artist }: ArtistRow): Artist => ({
  ...artist,
  createdAt: createdAt.toISOString(),
  updatedAt: updatedAt.toISOString(),
});
const toShowRecord = (show: ShowRow): ShowRecord => ({
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
function previous(before: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(changes)
      .filter((key) => changes[key] !== undefined)
      .map((key) => [key, before[key] instanceof Date ? (before[key] as Date).toISOString() : before[key]]),
  );
}

const invalidVotingWindow = () =>
  errors.unprocessable('invalid_voting_window', 'votingOpensAt must not be after votingClosesAt.');

const adminOnly = () => requireRole('admin');
const moderators = () => requireRole('moderator', 'admin');

/**
 * Catalogue writes: admins manage artists, songs and venues; moderators and admins manage shows. Every write
 * is audited, then reported to the cache invalidation hook.
 */
export const adminCatalogRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'post',
      path: '/admin/artists',
      tags: ['Catalogue administration'],
      summary: 'Create an artist',
      middleware: [adminOnly()] as const,
      security: SIGNED_IN,
      request: { body: { ...json(ArtistCreate), required: true } },
      responses: { 201: { description: 'The new artist.', ...json(Artist) }, ...errorResponses(400, 401, 403, 409) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const values = { ...body, slug: body.slug ?? slugOr(body.name, 'artist') };
      const [artist] = await c.var.database.db.$primary
        .insert(artists)
        .values(values)
        .returning()
        .catch(catalogWriteError);
      await recordAudit(
        c,
        'artist.create',
        { type: 'artist', id: artist!.id },
        { slug: artist!.slug, name: artist!.name },
      );
      await invalidateCatalog(c, { artistId: artist!.id });
      return c.json(toArtist(artist!), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/admin/artists/{id}',
      tags: ['Catalogue administration'],
      summary: 'Change an artist',
      middleware: [adminOnly()] as const,
      security: SIGNED_IN,
      request: { params: IdParams, body: { ...json(ArtistUpdate), required: true } },
      responses: {
        200: { description: 'The updated artist.', ...json(Artist) },
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const changes = c.req.valid('json');
      const db = c.var.database.db.$primary;
      const [before] = await db.select().from(artists).where(eq(artists.id, id));
      if (!before) throw errors.notFound('artist');
      const [artist] = await db
        .update(artists)
        .set({ ...changes, updatedAt: new Date() })
        .where(eq(artists.id, id))
        .returning()
        .catch(catalogWriteError);
      if (!artist) throw errors.notFound('artist');
      await recordAudit(c, 'artist.update', { type: 'artist', id }, { from: previous(before, changes), to: changes });
      await invalidateCatalog(c, { artistId: id });
      return c.json(toArtist(artist), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/admin/artists/{id}/songs',
      tags: ['Catalogue administration'],
      summary: "Add a song to an artist's catalogue",
      middleware: [adminOnly()] as const,
      security: SIGNED_IN,
      request: { params: IdParams, body: { ...json(SongCreate), required: true } },
      responses: { 201: { description: 'The new song.', ...json(Song) }, ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const song = await addSong(c.var.database.db.$primary, id, c.req.valid('json'));
      await recordAudit(c, 'song.create', { type: 'song', id: song.id }, { artistId: id, title: song.title });
      await invalidateCatalog(c, { artistId: id });
      return c.json(song, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/admin/songs/{id}',
      tags: ['Catalogue administration'],
      summary: 'Change a song (its title, album, duration, Spotify id or ISRC)',
      description:
        "The admin's values win from then on: an import from Spotify no longer overwrites them. A removed song is 404.",
      middleware: [adminOnly()] as const,
      security: SIGNED_IN,
      request: { params: IdParams, body: { ...json(SongUpdate), required: true } },
      responses: {
        200: { description: 'The updated song.', ...json(Song) },
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const changes = c.req.valid('json');
      const { before, after } = await updateSong(c.var.database.db.$primary, id, changes);
      await recordAudit(
        c,
        'song.update',
        { type: 'song', id },
        { artistId: after.artistId, from: previous(before, changes), to: changes },
      );
      await invalidateCatalog(c, { artistId: after.artistId });
      return c.json(after, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/admin/songs/{id}',
      tags: ['Catalogue administration'],
      summary: "Remove a song from the artist's catalogue",
      description:
        'The song leaves the catalogue (listings, the add-a-song search, rooms loaded from now on) but is not deleted: ' +
        "fans' setlist entries and votes for it, and the shows that played it, stay as they are; `kept` counts them. " +
        'Removing a removed song again answers the same. `POST /v1/admin/songs/{id}/restore` puts it back.',
      middleware: [adminOnly()] as const,
      security: SIGNED_IN,
      request: { params: IdParams },
      responses: {
        200: { description: 'The removed song and what still points at it.', ...json(SongRemoval) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { removedNow, ...removal } = await removeSong(c.var.database.db.$primary, id);
      if (removedNow) {
        await recordAudit(
          c,
          'song.remove',
          { type: 'song', id },
          { artistId: removal.song.artistId, title: removal.song.title, kept: removal.kept },
        );
        await invalidateCatalog(c, { artistId: removal.song.artistId });
      }
      return c.json(removal, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/admin/songs/{id}/restore',
      tags: ['Catalogue administration'],
      summary: 'Put a removed song back into the catalogue',
      description:
        "409 duplicate_title when the artist's catalogue has a song of that title again. Restoring a song that is not removed answers the song and changes nothing.",
      middleware: [adminOnly()] as const,
      security: SIGNED_IN,
      request: { params: IdParams },
      responses: {
        200: { description: 'The song, back in the catalogue.', ...json(Song) },
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { song, restored } = await restoreSong(c.var.database.db.$primary, id);
      if (restored) {
        await recordAudit(c, 'song.restore', { type: 'song', id }, { artistId: song.artistId, title: song.title });
        await invalidateCatalog(c, { artistId: song.artistId });
      }
      return c.json(song, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/admin/venues',
      tags: ['Catalogue administration'],
      summary: 'Create a venue',
      middleware: [adminOnly()] as const,
      security: SIGNED_IN,
      request: { body: { ...json(VenueCreate), required: true } },
      responses: { 201: { description: 'The new venue.', ...json(Venue) }, ...errorResponses(400, 401, 403, 409) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const named = body.name.toLowerCase().includes(body.city.toLowerCase()) ? body.name : `${body.name} ${body.city}`;
      const values = { ...body, country: body.country.toUpperCase(), slug: body.slug ?? slugOr(named, 'venue') };
      const [venue] = await c.var.database.db.$primary
        .insert(venues)
        .values(values)
        .returning(venueColumns)
        .catch(catalogWriteError);
      await recordAudit(c, 'venue.create', { type: 'venue', id: venue!.id }, { slug: venue!.slug, name: venue!.name });
      await invalidateCatalog(c, { venueId: venue!.id });
      return c.json(venue!, 201);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/admin/venues/{id}',
      tags: ['Catalogue administration'],
      summary: 'Change a venue',
      middleware: [adminOnly()] as const,
      security: SIGNED_IN,
      request: { params: IdParams, body: { ...json(VenueUpdate), required: true } },
      responses: {
        200: { description: 'The updated venue.', ...json(Venue) },
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const changes = { ...body, ...(body.country ? { country: body.country.toUpperCase() } : {}) };
      const db = c.var.database.db.$primary;
      const [before] = await db.select().from(venues).where(eq(venues.id, id));
      if (!before) throw errors.notFound('venue');
      const [venue] = await db
        .update(venues)
        .set(changes)
        .where(eq(venues.id, id))
        .returning(venueColumns)
        .catch(catalogWriteError);
      if (!venue) throw errors.notFound('venue');
      await recordAudit(c, 'venue.update', { type: 'venue', id }, { from: previous(before, changes), to: changes });
      await invalidateCatalog(c, { venueId: id });
      return c.json(venue, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/admin/shows',
      tags: ['Catalogue administration'],
      summary: 'Create a show',
      middleware: [moderators()] as const,
      security: SIGNED_IN,
      request: { body: { ...json(ShowCreate), required: true } },
      responses: {
        201: { description: 'The new show.', ...json(ShowRecord) },
        ...errorResponses(400, 401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const db = c.var.database.db.$primary;
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
      await recordAudit(
        c,
        'show.create',
        { type: 'show', id: show!.id },
        { slug: show!.slug, artistId: show!.artistId, venueId: show!.venueId },
      );
      await invalidateCatalog(c, { showId: show!.id, artistId: show!.artistId, venueId: show!.venueId });
      await announceShow(c, show!);
      return c.json(toShowRecord(show!), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/admin/shows/{id}',
      tags: ['Catalogue administration'],
      summary: "Change a show (a status change also reaches the show's live room)",
      middleware: [moderators()] as const,
      security: SIGNED_IN,
      request: { params: IdParams, body: { ...json(ShowUpdate), required: true } },
      responses: {
        200: { description: 'The updated show.', ...json(ShowRecord) },
        ...errorResponses(400, 401, 403, 404, 409, 422, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const db = c.var.database.db.$primary;
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
      await recordAudit(c, 'show.update', { type: 'show', id }, { from: previous(before, changes), to: body });
      await invalidateCatalog(c, { showId: id, artistId: show.artistId, venueId: show.venueId });
      // The room holds the status and voting window it loaded and decides votes with them: tell it. Sent
      // whenever the body has one of them (not only when it changed), so retrying a PATCH whose push failed
      // repairs the room.
      if (body.status !== undefined || votingOpensAt !== undefined || votingClosesAt !== undefined) {
        try {
          unwrapRoom(
            await (await placedRoom(c.env, id, () => c.var.database.primaryHttp)).updateShowMeta(id, {
              status: show.status,
              votingOpensAt: show.votingOpensAt.toISOString(),
              votingClosesAt: show.votingClosesAt.toISOString(),
            }),
          );
        } catch (err) {
          c.var.log.error('show saved but not pushed to its room', { showId: id, status: body.status, err });
          if (err instanceof ApiError && err.status < 500) throw err;
          throw errors.unavailable(
            'The show was saved, but its live room could not be told; send the same request again.',
          );
        }
      }
      return c.json(toShowRecord(show), 200);
    },
  );
