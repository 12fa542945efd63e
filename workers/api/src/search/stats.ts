import { sql } from 'drizzle-orm';
import type { Database } from '#shared/db/client';
import type { SearchStats } from '#shared/schemas/search';

/** One query's figures, as json_agg renders them. */
interface QueryRow {
  query: string;
  searches: number;
  avg_results: number;
  empty: number;
  clicks: number;
  last_searched_at: string;
}

interface StatsRow extends Record<string, unknown> {
  total_searches: number;
  total_clicks: number;
  top: QueryRow[];
  no_results: QueryRow[];
}

const iso = (value: string) => new Date(value).toISOString();
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Search statistics over the last `days`, from the raw `search` and `search_click` analytics events (both scans
 * can be range scans of analytics_events_kind_at_idx). Queries are compared normalised (normalizeQuery).
 * Click-through is clicks per search of the same query in the window.
 */
export async function searchStats(db: Database, days: number, limit: number, now = new Date()): Promise<SearchStats> {
  const from = new Date(now.getTime() - days * 86_400_000);
  const window = sql`at >= ${from.toISOString()}::timestamptz and at <= ${now.toISOString()}::timestamptz`;
  // One statement, so that every figure comes from the same snapshot while events keep arriving.
  const result = await db.execute<StatsRow>(sql`
    with searches as (
      select data->>'query' as query,
        count(*)::int as searches,
        avg(coalesce((data->>'resultCount')::numeric, 0))::float8 as avg_results,
        count(*) filter (where coalesce((data->>'resultCount')::numeric, 0) = 0)::int as empty,
        max(at) as last_searched_at
      from analytics_events
      where kind = 'search' and ${window} and data ? 'query'
      group by 1
    ),
    clicks as (
      select data->>'query' as query, count(*)::int as clicks
      from analytics_events
      where kind = 'search_click' and ${window} and data ? 'query'
      group by 1
    ),
    per_query as (
      select s.query, s.searches, s.avg_results, s.empty, coalesce(c.clicks, 0)::int as clicks, s.last_searched_at
      from searches s left join clicks c on c.query = s.query
    ),
    top as (select * from per_query order by searches desc, last_searched_at desc, query limit ${limit}),
    no_results as (select * from per_query where empty > 0 order by empty desc, last_searched_at desc, query limit ${limit})
    select
      (select coalesce(sum(searches), 0)::int from searches) as total_searches,
      (select coalesce(sum(clicks), 0)::int from clicks) as total_clicks,
      (select coalesce(json_agg(t order by t.searches desc, t.last_searched_at desc, t.query), '[]') from top t) as top,
      (select coalesce(json_agg(n order by n.empty desc, n.last_searched_at desc, n.query), '[]') from no_results n) as no_results`);
  const row = result.rows[0];
  return {
    days,
    from: from.toISOString(),
    to: now.toISOString(),
    totalSearches: row?.total_searches ?? 0,
    totalClicks: row?.total_clicks ?? 0,
    topQueries: (row?.top ?? []).map((r) => ({
      query: r.query,
      searches: r.searches,
      avgResults: round(Number(r.avg_results), 2),
      clicks: r.clicks,
      clickThrough: r.searches ? round(r.clicks / r.searches, 3) : 0,
      lastSearchedAt: iso(r.last_searched_at),
    })),
    noResultQueries: (row?.no_results ?? []).map((r) => ({
      query: r.query,
      searches: r.empty,
      lastSearchedAt: iso(r.last_searched_at),
    })),
  };
}
