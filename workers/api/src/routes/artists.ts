import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
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
import { errorResponses, json } from '../http/openapi';

export const artistRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/artists',
      tags: ['Artists'],
      summary: 'List artists by name, popularity or trending score',
      request: { query: ArtistListQuery },
      responses: { 200: { description: 'A page of artists.', ...json(ArtistList) }, ...errorResponses(400, 422) },
    }),
    async (c) => {
      return c.json(await listArtists(c.var.database.db, c.req.valid('query')), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/artists/{idOrSlug}',
      tags: ['Artists'],
      summary: 'An artist with their catalogue and their upcoming and past shows',
      request: { params: IdOrSlugParams },
      responses: { 200: { description: 'The artist.', ...json(ArtistDetail) }, ...errorResponses(400, 404) },
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
    createRoute({
      method: 'get',
      path: '/artists/{idOrSlug}/similar',
      tags: ['Artists'],
      summary:
        'Artists similar to this one: shared fans (voters and followers) and shared genres (top 10, refreshed hourly)',
      request: { params: IdOrSlugParams },
      responses: {
        200: { description: 'The most similar artists, best first.', ...json(SimilarArtistList) },
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      return c.json(await similarArtists(c.var.database.db, c.req.valid('param').idOrSlug), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/artists/{idOrSlug}/songs',
      tags: ['Artists'],
      summary: "The artist's catalogue; with q, a search in it (for the add-a-song box)",
      request: { params: IdOrSlugParams, query: SongSearchQuery },
      responses: {
        200: { description: 'Songs: in catalogue order, or best match first when searching.', ...json(SongList) },
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const { idOrSlug } = c.req.valid('param');
      return c.json(await artistSongs(c.var.database.db, idOrSlug, c.req.valid('query')), 200);
    },
  );
