import { z } from 'zod';
import { Uuid } from './common';

/** What a fan types: trimmed, 1–100 characters. Accents, case and small typos do not matter. */
const QueryText = z.string().trim().min(1).max(100);

export const SearchQuery = z.object({
  q: QueryText.describe('What to look for: an artist, a venue or a city. Trimmed; 1–100 characters.'),
  limit: z.coerce.number().int().min(1).max(50).default(10),
  suggest: z
    .enum(['true', 'false'])
    .optional()
    .describe(
      'true: an as-you-type suggestion request, not counted as a search (the search is counted once, when the fan ' +
        'picks a suggestion: POST /search/clicks with resultCount, or submits the query).',
    ),
});
export type SearchQuery = z.infer<typeof SearchQuery>;

export const SearchResultType = z.enum(['artist', 'show', 'venue']).meta({ id: 'SearchResultType' });
export type SearchResultType = z.infer<typeof SearchResultType>;

export const SearchResult = z
  .object({
    type: SearchResultType,
    id: Uuid,
    slug: z.string(),
    /** Artist name, venue name, or "Artist at Venue" for a show. */
    title: z.string(),
    /** Artist genres, "City, CC" for a venue, "City, CC · YYYY-MM-DD" (local date) for a show. */
    subtitle: z.string(),
    /** Match quality in [0, 1], comparable across types: results are ordered by it. */
    score: z.number(),
  })
  .meta({ id: 'SearchResult' });
export type SearchResult = z.infer<typeof SearchResult>;

export const SearchResponse = z
  .object({
    /** The query as received (trimmed), so an as-you-type client can drop answers to older keystrokes. */
    query: z.string(),
    results: z.array(SearchResult),
  })
  .meta({ id: 'SearchResponse' });
export type SearchResponse = z.infer<typeof SearchResponse>;

export const SearchClick = z
  .object({
    query: QueryText,
    type: SearchResultType,
    id: Uuid,
    /**
     * Set when the result was picked from as-you-type suggestions (`suggest=true`, which are not counted): how many
     * were shown. The search is then counted with this click, once.
     */
    resultCount: z.number().int().min(0).max(50).optional(),
  })
  .meta({ id: 'SearchClick', description: 'A search result the fan opened, for click-through statistics.' });
export type SearchClick = z.infer<typeof SearchClick>;

export const SearchStatsQuery = z.object({
  days: z.coerce.number().int().min(1).max(90).default(7),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const SearchQueryStats = z
  .object({
    /** Normalised: lower case, accents removed, spaces collapsed. */
    query: z.string(),
    searches: z.number().int(),
    avgResults: z.number(),
    clicks: z.number().int(),
    /** clicks / searches: clicks per search (can exceed 1 when a fan opens several results of one search). */
    clickThrough: z.number(),
    lastSearchedAt: z.string(),
  })
  .meta({ id: 'SearchQueryStats' });

export const NoResultQueryStats = z
  .object({ query: z.string(), searches: z.number().int(), lastSearchedAt: z.string() })
  .meta({ id: 'NoResultQueryStats' });

export const SearchStats = z
  .object({
    days: z.number().int(),
    from: z.string(),
    to: z.string(),
    totalSearches: z.number().int(),
    totalClicks: z.number().int(),
    topQueries: z.array(SearchQueryStats),
    noResultQueries: z.array(NoResultQueryStats),
  })
  .meta({ id: 'SearchStats' });
export type SearchStats = z.infer<typeof SearchStats>;
