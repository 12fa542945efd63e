import { OpenAPIHono } from '@hono/zod-openapi';
import { errors } from '#shared/errors';
import {
  ArtistDetail,
  ArtistList,
  ArtistListQuery,
  IdOrSlugParams,
  SimilarArtistList,
  SongList,
  SongSearchQuery,
} from '#shared/schemas/catalog';
import { recordView } from '../analytics/record';
import type { AppEnv } from '../app-env';
import { artistSongs, listArtists, readArtistDetail, similarArtists } from '../catalog/artists';
import { route } from '../http/route';

export const artistRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      method: 'get',
      path: '/artists',
      tag: 'Artists',
      summary: 'List artists by name, popularity or trending score',
      query: ArtistListQuery,
      response: [200, 'A page of artists.', ArtistList],
      errors: [400, 422],
    }),
    async (c) => {
      return c.json(await listArtists(c.var.database.db, c.req.valid('query')), 200);
    },
  )
  .openapi(
    route({
      method: 'get',
      path: '/artists/{idOrSlug}',
      tag: 'Artists',
      summary: 'An artist with their catalogue and their upcoming and past shows',
      params: IdOrSlugParams,
      response: [200, 'The artist.', ArtistDetail],
      errors: [400, 404],
    }),
    async (c) => {
      const detail = await readArtistDetail(c.var.database.db, c.req.valid('param').idOrSlug);
      if (!detail) throw errors.notFound('artist');
      // Feeds trending. Anonymous views answered from the response cache do not reach here (≤ 1 per URL per freshness window).
      recordView(c, 'artist_view', detail.id);
      return c.json(detail, 200);
    },
  )
  .openapi(
    route({
      method: 'get',
      path: '/artists/{idOrSlug}/similar',
      tag: 'Artists',
      summary:
        'Artists similar to this one: shared fans (voters and followers) and shared genres (top 10, refreshed hourly)',
      params: IdOrSlugParams,
      response: [200, 'The most similar artists, best first.', SimilarArtistList],
      errors: [400, 404],
    }),
    async (c) => {
      return c.json(await similarArtists(c.var.database.db, c.req.valid('param').idOrSlug), 200);
    },
  )
  .openapi(
    route({
      method: 'get',
      path: '/artists/{idOrSlug}/songs',
      tag: 'Artists',
      summary: "The artist's catalogue; with q, a search in it (for the add-a-song box)",
      params: IdOrSlugParams,
      query: SongSearchQuery,
      response: [200, 'Songs: in catalogue order, or best match first when searching.', SongList],
      errors: [400, 404],
    }),
    async (c) => {
      const { idOrSlug } = c.req.valid('param');
      return c.json(await artistSongs(c.var.database.db, idOrSlug, c.req.valid('query')), 200);
    },
  );
