import { OpenAPIHono } from '@hono/zod-openapi';
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
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { invalidateCatalog } from '../cache/invalidate';
import { addSong, removeSong, restoreSong, updateSong } from '../catalog/songs';
import {
  createArtist,
  createShow,
  createVenue,
  previous,
  toShowRecord,
  updateArtist,
  updateShow,
  updateVenue,
} from '../catalog/writes';
import { route } from '../http/route';
import { unwrapRoom } from '../live/room-result';
import { announceShow } from '../notifications/announce';

/**
 * Catalogue writes: admins manage artists, songs and venues; moderators and admins manage shows. Every write
 * is audited, then reported to the cache invalidation hook.
 */
export const adminCatalogRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      method: 'post',
      path: '/admin/artists',
      tag: 'Catalogue administration',
      summary: 'Create an artist',
      auth: 'admin',
      body: ArtistCreate,
      response: [201, 'The new artist.', Artist],
      errors: [400, 409],
    }),
    async (c) => {
      const artist = await createArtist(c.var.database.db.$primary, c.req.valid('json'));
      await recordAudit(
        c,
        'artist.create',
        { type: 'artist', id: artist.id },
        { slug: artist.slug, name: artist.name },
      );
      await invalidateCatalog(c, { artistId: artist.id });
      return c.json(artist, 201);
    },
  )
  .openapi(
    route({
      method: 'patch',
      path: '/admin/artists/{id}',
      tag: 'Catalogue administration',
      summary: 'Change an artist',
      auth: 'admin',
      params: IdParams,
      body: ArtistUpdate,
      response: [200, 'The updated artist.', Artist],
      errors: [400, 404, 409],
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const changes = c.req.valid('json');
      const { after, from } = await updateArtist(c.var.database.db.$primary, id, changes);
      await recordAudit(c, 'artist.update', { type: 'artist', id }, { from, to: changes });
      await invalidateCatalog(c, { artistId: id });
      return c.json(after, 200);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/admin/artists/{id}/songs',
      tag: 'Catalogue administration',
      summary: "Add a song to an artist's catalogue",
      auth: 'admin',
      params: IdParams,
      body: SongCreate,
      response: [201, 'The new song.', Song],
      errors: [400, 404, 409],
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
    route({
      method: 'patch',
      path: '/admin/songs/{id}',
      tag: 'Catalogue administration',
      summary: 'Change a song (its title, album, duration, Spotify id or ISRC)',
      description:
        "The admin's values win from then on: an import from Spotify no longer overwrites them. A removed song is 404.",
      auth: 'admin',
      params: IdParams,
      body: SongUpdate,
      response: [200, 'The updated song.', Song],
      errors: [400, 404, 409],
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
    route({
      method: 'delete',
      path: '/admin/songs/{id}',
      tag: 'Catalogue administration',
      summary: "Remove a song from the artist's catalogue",
      description:
        'The song leaves the catalogue (listings, the add-a-song search, rooms loaded from now on) but is not deleted: ' +
        "fans' setlist entries and votes for it, and the shows that played it, stay as they are; `kept` counts them. " +
        'Removing a removed song again answers the same. `POST /v1/admin/songs/{id}/restore` puts it back.',
      auth: 'admin',
      params: IdParams,
      response: [200, 'The removed song and what still points at it.', SongRemoval],
      errors: [400, 404],
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
    route({
      method: 'post',
      path: '/admin/songs/{id}/restore',
      tag: 'Catalogue administration',
      summary: 'Put a removed song back into the catalogue',
      description:
        "409 duplicate_title when the artist's catalogue has a song of that title again. Restoring a song that is not removed answers the song and changes nothing.",
      auth: 'admin',
      params: IdParams,
      response: [200, 'The song, back in the catalogue.', Song],
      errors: [400, 404, 409],
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
    route({
      method: 'post',
      path: '/admin/venues',
      tag: 'Catalogue administration',
      summary: 'Create a venue',
      auth: 'admin',
      body: VenueCreate,
      response: [201, 'The new venue.', Venue],
      errors: [400, 409],
    }),
    async (c) => {
      const venue = await createVenue(c.var.database.db.$primary, c.req.valid('json'));
      await recordAudit(c, 'venue.create', { type: 'venue', id: venue.id }, { slug: venue.slug, name: venue.name });
      await invalidateCatalog(c, { venueId: venue.id });
      return c.json(venue, 201);
    },
  )
  .openapi(
    route({
      method: 'patch',
      path: '/admin/venues/{id}',
      tag: 'Catalogue administration',
      summary: 'Change a venue',
      auth: 'admin',
      params: IdParams,
      body: VenueUpdate,
      response: [200, 'The updated venue.', Venue],
      errors: [400, 404, 409],
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { after, from, changes } = await updateVenue(c.var.database.db.$primary, id, c.req.valid('json'));
      await recordAudit(c, 'venue.update', { type: 'venue', id }, { from, to: changes });
      await invalidateCatalog(c, { venueId: id });
      return c.json(after, 200);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/admin/shows',
      tag: 'Catalogue administration',
      summary: 'Create a show',
      auth: 'staff',
      body: ShowCreate,
      response: [201, 'The new show.', ShowRecord],
      errors: [400, 404, 409, 422],
    }),
    async (c) => {
      const show = await createShow(c.var.database.db.$primary, c.req.valid('json'));
      await recordAudit(
        c,
        'show.create',
        { type: 'show', id: show.id },
        { slug: show.slug, artistId: show.artistId, venueId: show.venueId },
      );
      await invalidateCatalog(c, { showId: show.id, artistId: show.artistId, venueId: show.venueId });
      await announceShow(c, show);
      return c.json(toShowRecord(show), 201);
    },
  )
  .openapi(
    route({
      method: 'patch',
      path: '/admin/shows/{id}',
      tag: 'Catalogue administration',
      summary: "Change a show (a status change also reaches the show's live room)",
      auth: 'staff',
      params: IdParams,
      body: ShowUpdate,
      response: [200, 'The updated show.', ShowRecord],
      errors: [400, 404, 409, 422, 503],
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const { after: show, from } = await updateShow(c.var.database.db.$primary, id, body);
      await recordAudit(c, 'show.update', { type: 'show', id }, { from, to: body });
      await invalidateCatalog(c, { showId: id, artistId: show.artistId, venueId: show.venueId });
      // The room holds the status and voting window it loaded and decides votes with them: tell it. Sent
      // whenever the body has one of them (not only when it changed), so retrying a PATCH whose push failed
      // repairs the room.
      if (body.status !== undefined || body.votingOpensAt !== undefined || body.votingClosesAt !== undefined) {
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
