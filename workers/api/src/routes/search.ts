import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { SearchClick, SearchQuery, SearchResponse, SearchStats, SearchStatsQuery } from '#shared/schemas/search';
import { recordEvent } from '../analytics/record';
import type { AppEnv } from '../app-env';
import { errorResponses, json, SIGNED_IN } from '../http/openapi';
import { requireRole } from '../middleware/session/require-role';
import { normalizeQuery, searchCatalogue } from '../search/catalogue';
import { searchStats } from '../search/stats';

export const searchRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/search',
      tags: ['Search'],
      summary: 'Search artists, shows and venues (typo-, accent-, word-form- and prefix-tolerant)',
      description:
        'One list, interleaved and ordered by `score` (match quality in [0, 1]) from trigram similarity and ' +
        'full-text search (stemmed words in any order: "ponies" finds "Pony"); on equal scores artists come ' +
        'before venues before shows. Shows are found through their artist, venue name or city. Never cached: ' +
        'every search is counted for the search statistics, except as-you-type suggestions (`suggest=true`).',
      request: { query: SearchQuery },
      responses: {
        200: { description: 'The best matches, best first.', ...json(SearchResponse) },
        ...errorResponses(400),
      },
    }),
    async (c) => {
      const { q, limit, suggest } = c.req.valid('query');
      const results = await searchCatalogue(c.var.database.db, q, limit);
      // Suggestions as you type would count every prefix ("m", "me", "met"…) as a search of its own.
      if (suggest !== 'true')
        recordEvent(c, 'search', { data: { query: normalizeQuery(q), resultCount: results.length } });
      // Not stored by the response cache: a cached answer would not reach this handler, and the most popular
      // queries, the ones cached most, would be the ones undercounted.
      c.header('Cache-Control', 'no-store');
      return c.json({ query: q, results }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/search/clicks',
      tags: ['Search'],
      summary: 'Record that a search result was opened',
      request: { body: { ...json(SearchClick), required: true } },
      responses: { 204: { description: 'Recorded (asynchronously).' }, ...errorResponses(400) },
    }),
    (c) => {
      const { query, type, id, resultCount } = c.req.valid('json');
      // Picked from suggestions, which were not counted: this is where that search counts, once.
      if (resultCount !== undefined) recordEvent(c, 'search', { data: { query: normalizeQuery(query), resultCount } });
      recordEvent(c, 'search_click', { data: { query: normalizeQuery(query), type, id } });
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/admin/search-stats',
      tags: ['Administration'],
      summary: 'Top search queries (count, average results, click-through) and queries without results',
      middleware: [requireRole('admin')] as const,
      security: SIGNED_IN,
      request: { query: SearchStatsQuery },
      responses: {
        200: { description: 'Search statistics of the last `days` days.', ...json(SearchStats) },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { days, limit } = c.req.valid('query');
      return c.json(await searchStats(c.var.database.db, days, limit), 200);
    },
  );
