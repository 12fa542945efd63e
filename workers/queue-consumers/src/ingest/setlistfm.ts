/**
 * setlist.fm REST API 1.0: artist search (for the MusicBrainz id) and setlist search by artist MBID and
 * date. Shapes follow api.setlist.fm/docs/1.0/. A search without results answers 404, read as "none".
 */
import { z } from 'zod';
import type { ProviderConfig } from './config';
import { type HttpDeps, requestJson } from './http';

const SetlistfmArtist = z.object({
  mbid: z.string().min(1),
  name: z.string().min(1),
  sortName: z.string().optional(),
  disambiguation: z.string().optional(),
});
export type SetlistfmArtist = z.infer<typeof SetlistfmArtist>;

/** The paging fields every search answer carries beside its items. */
const SearchPaging = { total: z.number().int(), page: z.number().int(), itemsPerPage: z.number().int() };

const ArtistSearch = z.object({ artist: z.array(SetlistfmArtist).default([]), ...SearchPaging });

const Song = z.object({
  name: z.string(),
  tape: z.boolean().optional(),
  info: z.string().optional(),
  cover: z.object({ name: z.string() }).optional(),
});
const SetBlock = z.object({
  name: z.string().optional(),
  encore: z.number().optional(),
  song: z.array(Song).default([]),
});

/**
 * The JSON API wraps the sets as `"sets": { "set": [...] }`; the generated reference pages show a bare
 * `"set": [...]`. Both are accepted, and read as `sets.set`.
 */
const wrapBareSets = (value: unknown) => {
  if (value && typeof value === 'object' && !('sets' in value) && Array.isArray((value as { set?: unknown }).set)) {
    const { set, ...rest } = value as { set: unknown[] };
    return { ...rest, sets: { set } };
  }
  return value;
};

const SetlistObject = z.object({
  id: z.string().min(1),
  versionId: z.string().min(1),
  /** dd-MM-yyyy, the local date of the show. */
  eventDate: z.string().regex(/^\d{2}-\d{2}-\d{4}$/),
  artist: z.object({ mbid: z.string(), name: z.string() }),
  venue: z.object({
    id: z.string().optional(),
    name: z.string(),
    city: z.object({
      name: z.string(),
      coords: z.object({ lat: z.number(), long: z.number() }).optional(),
      country: z.object({ code: z.string() }),
    }),
  }),
  sets: z.object({ set: z.array(SetBlock).default([]) }).default({ set: [] }),
});
export const Setlist = z.preprocess(wrapBareSets, SetlistObject);
export type Setlist = z.infer<typeof SetlistObject>;

const SetlistSearch = z.object({ setlist: z.array(Setlist).default([]), ...SearchPaging });

export class SetlistfmClient {
  constructor(
    readonly config: ProviderConfig['setlistfm'],
    readonly deps: HttpDeps,
  ) {}

  #init(): RequestInit {
    return { headers: { 'x-api-key': this.config.apiKey, accept: 'application/json' } };
  }

  /** One page of a search; null when nothing matched (setlist.fm answers a search without results with 404). */
  #search<S extends z.ZodType>(what: 'artists' | 'setlists', query: URLSearchParams, schema: S) {
    return requestJson(this.deps, 'setlistfm', `${this.config.apiUrl}/rest/1.0/search/${what}?${query}`, schema, {
      init: this.#init(),
      notFoundIsEmpty: true,
    });
  }

  async searchArtists(name: string): Promise<SetlistfmArtist[]> {
    const q = new URLSearchParams({ artistName: name, sort: 'relevance' });
    const body = await this.#search('artists', q, ArtistSearch);
    return body?.artist ?? [];
  }

  /** Every setlist of the artist on that date (dd-MM-yyyy), all pages. */
  async setlistsOn(artistMbid: string, date: string): Promise<Setlist[]> {
    const found: Setlist[] = [];
    for (let page = 1; page <= 5; page++) {
      const q = new URLSearchParams({ artistMbid, date, p: String(page) });
      const body = await this.#search('setlists', q, SetlistSearch);
      if (!body) break;
      found.push(...body.setlist);
      if (body.page * body.itemsPerPage >= body.total || body.setlist.length === 0) break;
    }
    return found;
  }
}
