/**
 * Trending scores: time-decayed activity, recomputed by the api worker's cron (TRENDING_CRON).
 *
 *   score(entity) = Σ over its events e in the last LOOKBACK_DAYS of  WEIGHTS[kind(e)] × 0.5^(ageHours(e) / HALF_LIFE_HOURS)
 *
 * Every event loses half its weight every HALF_LIFE_HOURS, so a burst of activity now beats more activity a few
 * days ago (a vote 24 h old counts 0.5, 72 h old 0.125), and a score falls by half in a day without new activity.
 * Events older than LOOKBACK_DAYS are ignored (at 14 days they count 0.5^14 ≈ 0.00006 of a new one), which
 * bounds the work of each recompute by the recent activity, not by the history.
 *
 * Events, by kind (the `components` of a score, each with its event count and its points):
 * - votes:     active votes, at `votes.updated_at` (the time of the latest cast; a vote taken back counts nothing);
 * - additions: songs added to a predicted setlist, at `setlist_songs.created_at`;
 * - follows:   artist follows, at `follows.created_at` (artists only: a follow says nothing about which show,
 *              and would lift every show of a popular artist alike, so it is not propagated to shows);
 * - views:     `show_view` / `artist_view` analytics events (recordView), at their time.
 * A show's score counts its own events (cancelled shows get none). An artist's score counts its follows and
 * artist views plus everything that happened on its shows (votes, additions, show views).
 */
import { sql } from 'drizzle-orm';
import { CRONS } from '#shared/cron/schedule';
import type { Database } from '#shared/db/client';
import { DAY_MS } from '#shared/time';

/** Cron expression of the recompute (#shared/cron/schedule). */
export const TRENDING_CRON = CRONS['mysetlist-api'].trending;

export const HALF_LIFE_HOURS = 24;
export const LOOKBACK_DAYS = 14;

/**
 * Points of one brand-new event. A vote is the unit. Adding a song is rarer and takes more intent (3 votes).
 * A follow is a lasting commitment to the artist (5 votes). A view is cheap and easily repeated, so five views
 * are worth one vote: views let a show with no voting yet start to trend, without drowning out the votes.
 */
export const WEIGHTS = { vote: 1, addition: 3, follow: 5, view: 0.2 } as const;

export const TRENDING_EXPRESSION = `score = Σ weight(kind) × 0.5^(ageHours / ${HALF_LIFE_HOURS}) over the events of the last ${LOOKBACK_DAYS} days; each component is that sum for one kind of event`;

export interface StoredComponent {
  events: number;
  points: number;
}

export interface RecomputeResult {
  computedAt: string;
  shows: { scored: number; removed: number };
  artists: { scored: number; removed: number };
}

interface CountsRow extends Record<string, unknown> {
  scored: number;
  removed: number;
}

/**
 * The decay of one event at `at`, seen from `now` (never above 1: a timestamp slightly in the future counts as new).
 */
const decay = (now: string) =>
  sql`power(0.5::float8, greatest(0::float8, extract(epoch from (${now}::timestamptz - at))::float8 / 3600.0 / ${HALF_LIFE_HOURS}::float8))`;

/** `events`/`points` of one term, over the decayed events of the current group. */
const term = (name: string, weight: number) => sql`
  count(*) filter (where term = ${name})::int as ${sql.identifier(`${name}_events`)},
  ${weight}::float8 * coalesce(sum(decay) filter (where term = ${name}), 0)::float8 as ${sql.identifier(`${name}_points`)}`;

const component = (name: string) =>
  sql`${name}::text, jsonb_build_object('events', ${sql.identifier(`${name}_events`)}, 'points', ${sql.identifier(`${name}_points`)})`;

/**
 * One statement per entity type: compute every score from the events, upsert them into trending_scores with
 * their components, and delete the rows of entities with no event left in the window. All parts see the same
 * snapshot; rows are upserted in id order so that two overlapping runs lock them in the same order.
 */
function upsertStatement(
  entityType: 'show' | 'artist',
  events: ReturnType<typeof sql>,
  terms: string[],
  entityFilter: ReturnType<typeof sql>,
  now: string,
) {
  const weights: Record<string, number> = {
    votes: WEIGHTS.vote,
    additions: WEIGHTS.addition,
    follows: WEIGHTS.follow,
    views: WEIGHTS.view,
  };
  return sql`
    with events (entity_id, term, at) as (${events}),
    decayed as (select entity_id, term, ${decay(now)} as decay from events),
    terms as (
      select entity_id, ${sql.join(
        terms.map((name) => term(name, weights[name]!)),
        sql`, `,
      )}
      from decayed
      group by entity_id
    ),
    scored as (
      select t.*, ${sql.join(
        terms.map((name) => sql.identifier(`${name}_points`)),
        sql` + `,
      )} as score
      from terms t
      where ${entityFilter}
    ),
    upserted as (
      insert into trending_scores (entity_type, entity_id, score, components, computed_at)
      select ${entityType}::trending_entity, entity_id, score, jsonb_build_object(${sql.join(terms.map(component), sql`, `)}), ${now}::timestamptz
      from scored
      order by entity_id
      on conflict (entity_type, entity_id) do update
        set score = excluded.score, components = excluded.components, computed_at = excluded.computed_at
      returning 1
    ),
    removed as (
      delete from trending_scores ts
      where ts.entity_type = ${entityType}::trending_entity and not exists (select 1 from scored s where s.entity_id = ts.entity_id)
      returning 1
    )
    select (select count(*) from upserted)::int as scored, (select count(*) from removed)::int as removed`;
}

/** Recomputes every show's and every artist's trending score as of `now`: two statements, on the primary. */
export async function recomputeTrending(db: Database, now: Date = new Date()): Promise<RecomputeResult> {
  const at = now.toISOString();
  const since = new Date(now.getTime() - LOOKBACK_DAYS * DAY_MS).toISOString();
  const recent = (column: ReturnType<typeof sql>) => sql`${column} >= ${since}::timestamptz`;

  const showEvents = sql`
    select v.show_id, 'votes', v.updated_at from votes v where v.active and ${recent(sql`v.updated_at`)}
    union all
    select ss.show_id, 'additions', ss.created_at from setlist_songs ss where ${recent(sql`ss.created_at`)}
    union all
    select e.show_id, 'views', e.at from analytics_events e
      where e.kind = 'show_view' and e.show_id is not null and ${recent(sql`e.at`)}`;
  const artistEvents = sql`
    select s.artist_id, 'votes', v.updated_at from votes v join shows s on s.id = v.show_id
      where v.active and ${recent(sql`v.updated_at`)}
    union all
    select s.artist_id, 'additions', ss.created_at from setlist_songs ss join shows s on s.id = ss.show_id
      where ${recent(sql`ss.created_at`)}
    union all
    select f.artist_id, 'follows', f.created_at from follows f where ${recent(sql`f.created_at`)}
    union all
    select s.artist_id, 'views', e.at from analytics_events e join shows s on s.id = e.show_id
      where e.kind = 'show_view' and ${recent(sql`e.at`)}
    union all
    select (e.data->>'artistId')::uuid, 'views', e.at from analytics_events e
      where e.kind = 'artist_view' and ${recent(sql`e.at`)}
        and e.data->>'artistId' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'`;

  const primary = db.$primary;
  const shows = await primary.execute<CountsRow>(
    upsertStatement(
      'show',
      showEvents,
      ['votes', 'additions', 'views'],
      sql`exists (select 1 from shows s where s.id = t.entity_id and s.status <> 'cancelled')`,
      at,
    ),
  );
  const artists = await primary.execute<CountsRow>(
    upsertStatement(
      'artist',
      artistEvents,
      ['votes', 'additions', 'follows', 'views'],
      sql`exists (select 1 from artists a where a.id = t.entity_id)`,
      at,
    ),
  );
  const counts = (rows: CountsRow[]) => ({ scored: rows[0]?.scored ?? 0, removed: rows[0]?.removed ?? 0 });
  return { computedAt: at, shows: counts(shows.rows), artists: counts(artists.rows) };
}
