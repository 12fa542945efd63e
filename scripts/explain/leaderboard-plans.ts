/**
 * `npx tsx scripts/explain/leaderboard-plans.ts [--fans 20000] [--shows 2000] [--per-show 150] [--artists 200]
 *   [--plans]`
 *
 * EXPLAIN ANALYZE of the leaderboard statements (workers/api/src/scoring/leaderboard-page.ts, the route's own
 * query builder) on an in-memory PGlite with the migrations applied and a synthetic fan_scores table: `--shows`
 * shows of `--artists` artists (in turn) spread over the last two years, `--per-show` scoring fans each, drawn
 * from `--fans`; the artist boards are those of the artist with the most scores. Prints each plan's
 * top lines, the indexes it used, and the execution time. The artists' boards are also explained the way they
 * were computed before their rollups (fan_scores summed per fan and ranked, "sum" below), in the same run, as the
 * baseline; and finalisation's rollup refresh is timed for one show's fans.
 */
import { parseArgs } from 'node:util';
import { and, asc, desc, eq, type SQL, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import type { Database, PrimaryDatabase } from '#shared/db/client';
import * as schema from '#shared/db/schema';
import {
  periodStartSql,
  type RollupPeriod,
  rebuildLeaderboardRollups,
  refreshFanRollups,
} from '#shared/scoring/rollups';
import { leaderboardPage } from '../../workers/api/src/scoring/leaderboard-page';
import { applyMigrations } from '../db/migrate';
import { openPglite } from '../db/pglite';

const { values } = parseArgs({
  options: {
    fans: { type: 'string', default: '20000' },
    shows: { type: 'string', default: '2000' },
    'per-show': { type: 'string', default: '150' },
    artists: { type: 'string', default: '200' },
    plans: { type: 'boolean', default: false },
  },
});
const fans = Number(values.fans);
const showCount = Number(values.shows);
const perShow = Number(values['per-show']);
const artistCount = Number(values.artists);

const pg = await openPglite();
await applyMigrations(pg);
console.log(
  `seeding: ${fans} fans, ${showCount} shows of ${artistCount} artists, ${perShow} scores per show (${showCount * perShow} fan_scores rows)…`,
);
await pg.exec(`
  insert into artists (id, slug, name) select gen_random_uuid(), 'a' || i, 'Artist ' || i from generate_series(1, ${artistCount}) i;
  insert into venues (slug, name, city, country, time_zone) values ('v', 'V', 'Berlin', 'DE', 'Europe/Berlin');
  insert into users (email, password_hash, display_name) select 'u' || i || '@x.test', 'x', 'Fan ' || i from generate_series(1, ${fans}) i;
  insert into shows (slug, artist_id, venue_id, starts_at, status, voting_opens_at, voting_closes_at)
    select 's' || i, (select id from artists order by slug offset (i % ${artistCount}) limit 1), (select id from venues limit 1),
           now() - (i * 730.0 / ${showCount}) * interval '1 day', 'completed', now() - interval '800 days', now() - interval '800 days'
    from generate_series(1, ${showCount}) i;
`);
await pg.exec(`
  with u as (select id, row_number() over (order by id) as n from users)
  insert into fan_scores (show_id, user_id, artist_id, points, songs_hit, songs_voted, show_starts_at)
  select s.id, u.id, s.artist_id, (random() * 60)::int, (random() * 5)::int, 5, s.starts_at
  from (select id, artist_id, starts_at, row_number() over (order by id) as k from shows) s
  cross join generate_series(0, ${perShow - 1}) j
  join u on u.n = 1 + ((s.k * 7919 + j * 104729) % ${fans})
  on conflict do nothing;
`);
const rows = (await pg.query<{ n: number }>('select count(*)::int as n from fan_scores')).rows[0]!.n;
console.log(`fan_scores: ${rows} rows`);

const captured: { sql: string; params: unknown[] }[] = [];
const db = drizzle({ client: pg, schema, logger: { logQuery: (sql, params) => captured.push({ sql, params }) } });
// The rollups as finalisation keeps them, built the operator's way (src/shared/scoring/rollups.ts).
const rebuildStarted = performance.now();
await rebuildLeaderboardRollups(db as unknown as PrimaryDatabase);
const rebuildMs = Math.round(performance.now() - rebuildStarted);
const count = async (table: string) =>
  (await pg.query<{ n: number }>(`select count(*)::int as n from ${table}`)).rows[0]!.n;
console.log(
  `rollups rebuilt from fan_scores in ${rebuildMs} ms (fan_period_totals: ${await count('fan_period_totals')} rows, ` +
    `fan_artist_totals: ${await count('fan_artist_totals')}, fan_artist_period_totals: ${await count('fan_artist_period_totals')})`,
);
await pg.exec('analyze');
const artistId = (
  await pg.query<{ id: string }>(
    'select artist_id as id from fan_scores group by artist_id order by count(*) desc limit 1',
  )
).rows[0]!.id;

/**
 * An artist's board as it was read before fan_artist_totals / fan_artist_period_totals (commit 8f2d3a0): the
 * artist's scores in the period summed per fan and ranked with rank(), the page cut before users are joined.
 */
function artistSum(period: RollupPeriod | 'all', artistId: string, now = new Date()) {
  const f = schema.fanScores;
  const first = period === 'all' ? undefined : periodStartSql(period, sql`${now.toISOString()}::timestamptz`);
  const range: SQL | undefined = first
    ? sql`${f.showStartsAt} >= (${first}::timestamp at time zone 'UTC') and ${f.showStartsAt} < ((${first} + ${`1 ${period}`}::interval) at time zone 'UTC')`
    : undefined;
  const totals = db
    .select({
      userId: f.userId,
      points: sql<number>`sum(${f.points})::int`.as('points'),
      shows: sql<number>`count(*)::int`.as('shows'),
      songsHit: sql<number>`sum(${f.songsHit})::int`.as('songs_hit'),
      rank: sql<number>`rank() over (order by sum(${f.points}) desc)::int`.as('rank'),
    })
    .from(f)
    .where(and(eq(f.artistId, artistId), range))
    .groupBy(f.userId)
    .as('totals');
  return db.select().from(totals).orderBy(desc(totals.points), asc(totals.userId)).limit(21).toSQL();
}

async function explain(name: string, statements: { sql: string; params: unknown[] }[]) {
  for (const [i, statement] of statements.entries()) {
    const plan = (
      await pg.query<{ 'QUERY PLAN': string }>(`explain analyze ${statement.sql}`, statement.params as never[])
    ).rows.map((r) => r['QUERY PLAN']);
    const indexes = [
      ...new Set(
        plan
          .join('\n')
          .match(/(fan_scores|fan_totals|fan_period_totals|fan_artist_totals|fan_artist_period_totals|users)_\w+/g) ??
          [],
      ),
    ];
    const seq = plan.filter((l) => /Seq Scan on/.test(l)).map((l) => l.trim().split('  ')[0]);
    console.log(
      `\n== ${name} (statement ${i + 1}/${statements.length}): ${plan.at(-1)?.trim()}; indexes: ${indexes.join(', ') || 'none'}${seq.length ? `; ${seq.join(', ')}` : ''}`,
    );
    if (values.plans) for (const line of plan) console.log(`   ${line}`);
  }
}

// The artist's boards at its latest show, so that its week and month hold that show's fans.
const show = (
  await pg.query<{ id: string; artist_id: string; starts_at: Date }>(
    'select id, artist_id, starts_at from shows where artist_id = $1 order by starts_at desc limit 1',
    [artistId],
  )
).rows[0]!;
const at = new Date(show.starts_at);
for (const [name, period, artist] of [
  ['global week', 'week', undefined],
  ['global month', 'month', undefined],
  ['global year', 'year', undefined],
  ['global all', 'all', undefined],
  ['artist all', 'all', artistId],
  ['artist week', 'week', artistId],
  ['artist month', 'month', artistId],
  ['artist year', 'year', artistId],
] as const) {
  if (artist) await explain(`${name}, sum (before)`, [artistSum(period, artist, at)]);
  captured.length = 0;
  await leaderboardPage(db as unknown as Database, { period, limit: 20 }, artist, artist ? at : undefined);
  await explain(artist ? `${name}, rollup` : name, [...captured]);
}

// Finalisation's refresh of one show's fans (idempotent, so the rows stay as they are): every rollup, and, as the
// baseline of the same run, with no artist given (the artist statements match nothing: fan_totals and
// fan_period_totals only, what finalisation refreshed before the artist rollups).
const showFans = (
  await pg.query<{ user_id: string }>('select user_id from fan_scores where show_id = $1', [show.id])
).rows.map((r) => r.user_id);
for (let run = 1; run <= 3; run++)
  for (const artists of [[], [show.artist_id]]) {
    const started = performance.now();
    await (db as unknown as PrimaryDatabase).transaction((tx) => refreshFanRollups(tx, showFans, [at], artists));
    console.log(
      `\nrollup refresh of one show's ${showFans.length} fans, run ${run}, ${artists.length ? 'with' : 'without'} the artist rollups: ${(performance.now() - started).toFixed(1)} ms`,
    );
  }
// The refresh's statements, explained in their order (each one runs: the last refresh again, outside its
// transaction; the rows stay as they are).
captured.length = 0;
await (db as unknown as PrimaryDatabase).transaction((tx) => refreshFanRollups(tx, showFans, [at], [show.artist_id]));
await explain(
  'refresh',
  captured.filter((c) => !/^(begin|commit)/i.test(c.sql.trim())),
);
await pg.close();
