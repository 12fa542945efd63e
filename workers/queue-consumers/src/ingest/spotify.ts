/**
 * Spotify Web API: client-credentials token, artist search, an artist's albums and singles, the albums'
 * tracks, and full track objects for their ISRCs. Response shapes follow developer.spotify.com/documentation/web-api.
 */
import { z } from 'zod';
import type { ProviderConfig } from './config';
import { type HttpDeps, requestJson } from './http';

const Image = z.object({
  url: z.string(),
  height: z.number().nullable().optional(),
  width: z.number().nullable().optional(),
});

export const SpotifyArtist = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  genres: z.array(z.string()).default([]),
  popularity: z.number().int().min(0).max(100).default(0),
  images: z.array(Image).default([]),
});
export type SpotifyArtist = z.infer<typeof SpotifyArtist>;

const Paging = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    limit: z.number().int(),
    offset: z.number().int(),
    total: z.number().int().nonnegative(),
    next: z.string().nullable(),
  });

const Token = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().int().positive(),
});
const ArtistSearch = z.object({ artists: Paging(SpotifyArtist) });

export const SpotifyAlbum = z.object({
  id: z.string().min(1),
  name: z.string(),
  album_type: z.string(),
  release_date: z.string(),
});
export type SpotifyAlbum = z.infer<typeof SpotifyAlbum>;
const AlbumsPage = Paging(SpotifyAlbum);

const SimplifiedTrack = z.object({ id: z.string().min(1), name: z.string() });
const FullAlbum = SpotifyAlbum.extend({ tracks: Paging(SimplifiedTrack) });
const SeveralAlbums = z.object({ albums: z.array(FullAlbum.nullable()) });

export const SpotifyTrack = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  duration_ms: z.number().int().nonnegative(),
  external_ids: z.object({ isrc: z.string().optional() }).default({}),
  album: z.object({ id: z.string(), name: z.string(), album_type: z.string() }),
  artists: z.array(z.object({ id: z.string().nullable().optional(), name: z.string() })),
});
export type SpotifyTrack = z.infer<typeof SpotifyTrack>;
const SeveralTracks = z.object({ tracks: z.array(SpotifyTrack.nullable()) });

/** Albums per page of an artist's discography, and per several-albums request (the API's maximum is 20). */
export const ALBUMS_PER_PAGE = 20;
const TRACKS_PER_REQUEST = 50;

interface CachedToken {
  token: string;
  expiresAt: number;
}
/** Per isolate and per client id: a token is good for an hour, so one serves many batches. */
const tokens = new Map<string, CachedToken>();

export class SpotifyClient {
  constructor(
    readonly config: ProviderConfig['spotify'],
    readonly deps: HttpDeps,
  ) {}

  async #token(): Promise<string> {
    const cached = tokens.get(this.config.clientId);
    if (cached && cached.expiresAt > Date.now() + 60_000) return cached.token;
    const body = await requestJson(this.deps, 'spotify', `${this.config.accountsUrl}/api/token`, Token, {
      init: {
        method: 'POST',
        headers: {
          authorization: `Basic ${btoa(`${this.config.clientId}:${this.config.clientSecret}`)}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      },
    });
    const token = { token: body!.access_token, expiresAt: Date.now() + body!.expires_in * 1000 };
    tokens.set(this.config.clientId, token);
    return token.token;
  }

  async #get<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
    const token = await this.#token();
    return (await requestJson(this.deps, 'spotify', `${this.config.apiUrl}${path}`, schema, {
      init: { headers: { authorization: `Bearer ${token}` } },
    }))!;
  }

  async searchArtists(name: string): Promise<SpotifyArtist[]> {
    const q = new URLSearchParams({ q: name, type: 'artist', limit: '10' });
    return (await this.#get(`/v1/search?${q}`, ArtistSearch)).artists.items;
  }

  getArtist(id: string): Promise<SpotifyArtist> {
    return this.#get(`/v1/artists/${encodeURIComponent(id)}`, SpotifyArtist);
  }

  /** One page of the artist's own albums and singles (compilations and appearances are not their catalogue). */
  async albumsPage(
    artistId: string,
    offset: number,
  ): Promise<{ albums: SpotifyAlbum[]; nextOffset: number | null; total: number }> {
    const q = new URLSearchParams({
      include_groups: 'album,single',
      limit: String(ALBUMS_PER_PAGE),
      offset: String(offset),
    });
    const page = await this.#get(`/v1/artists/${encodeURIComponent(artistId)}/albums?${q}`, AlbumsPage);
    const nextOffset =
      page.offset + page.items.length < page.total && page.items.length > 0 ? page.offset + page.items.length : null;
    return { albums: page.items, nextOffset, total: page.total };
  }

  /** Every track of the given albums (up to 20), as full track objects with ISRCs. */
  async albumTracks(albumIds: string[]): Promise<SpotifyTrack[]> {
    if (albumIds.length === 0) return [];
    const several = await this.#get(`/v1/albums?ids=${albumIds.map(encodeURIComponent).join(',')}`, SeveralAlbums);
    const trackIds: string[] = [];
    for (const album of several.albums) {
      if (!album) continue;
      trackIds.push(...album.tracks.items.map((t) => t.id));
      // Albums longer than one page of tracks (50): fetch the rest of the album's tracks.
      for (let offset = album.tracks.items.length; offset < album.tracks.total; offset += TRACKS_PER_REQUEST) {
        const q = new URLSearchParams({ limit: String(TRACKS_PER_REQUEST), offset: String(offset) });
        const more = await this.#get(`/v1/albums/${encodeURIComponent(album.id)}/tracks?${q}`, Paging(SimplifiedTrack));
        trackIds.push(...more.items.map((t) => t.id));
      }
    }
    const tracks: SpotifyTrack[] = [];
    for (let i = 0; i < trackIds.length; i += TRACKS_PER_REQUEST) {
      const ids = trackIds.slice(i, i + TRACKS_PER_REQUEST);
      const several = await this.#get(`/v1/tracks?ids=${ids.map(encodeURIComponent).join(',')}`, SeveralTracks);
      tracks.push(...several.tracks.filter((t): t is SpotifyTrack => t !== null));
    }
    return tracks;
  }
}

/** Test seam: forget cached tokens. */
export function clearSpotifyTokens(): void {
  tokens.clear();
}
