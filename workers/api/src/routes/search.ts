import { OpenAPIHono } from '@hono/zod-openapi';
import { SearchClick, SearchQuery, SearchResponse, SearchStats, SearchStatsQuery } from '#shared/schemas/search';
import { recordEvent } from '../analytics/record';
import type { AppEnv } from '../app-env';
import { route } from '../http/route';
import { normalizeQuery, searchCatalogue } from '../search/catalogue';
import { searchStats } from '../search/stats';

export const searchRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      method: 'get',
      path: '/search',
      tag: 'Search',
      summary: 'Search artists, shows and venues (typo-, accent-, word-form- and prefix-tolerant)',
      description:
        'One list, interleaved and ordered by `score` (match quality in [0, 1]) from trigram similarity and ' +
        'full-text search (stemmed words in any order: "ponies" finds "Pony"); on equal scores artists come ' +
        'before venues before shows. Shows are found through their artist, venue name or city. Never cached: ' +
        'every search is counted for the search statistics, except as-you-type suggestions (`suggest=true`).',
      query: SearchQuery,
      response: [200, 'The best matches, best first.', SearchResponse],
      errors: [400],
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
    route({
      method: 'post',
      path: '/search/clicks',
      tag: 'Search',
      summary: 'Record that a search result was opened',
      body: SearchClick,
      response: [204, 'Recorded (asynchronously).'],
      errors: [400],
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
    route({
      method: 'get',
      path: '/admin/search-stats',
      tag: 'Administration',
      summary: 'Top search queries (count, average results, click-through) and queries without results',
      auth: 'admin',
      query: SearchStatsQuery,
      response: [200, 'Search statistics of the last `days` days.', SearchStats],
      errors: [400],
    }),
    async (c) => {
      const { days, limit } = c.req.valid('query');
      return c.json(await searchStats(c.var.database.db, days, limit), 200);
    },
  );
