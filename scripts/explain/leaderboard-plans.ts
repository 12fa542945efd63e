/**
 * `npx tsx scripts/explain/leaderboard-plans.ts [--fans 20000] [--shows 2000] [--per-show 150] [--plans]`
 *
 * EXPLAIN ANALYZE of the leaderboard statements (workers/api/src/scoring/leaderboard-page.ts, the route's own
 * query builder) on an in-memory PGlite with the migrations applied and a synthetic fan_scores table: `--shows`
 * shows spread over the last two years, `--per-show` scoring fans each, drawn from `--fans`. Prints each plan's
 * top lines, whether it used the fan_scores indexes, and the execution time.
 */
import { parseArgs } from 'node:util';
import { drizzle } from 'drizzle-orm/pglite';
import type { Database, PrimaryDatabase } from '#shared/db/client';
import * as schema from '#shared/db/schema';
import { rebuildLeaderboardRollups } from '#shared/scoring/rollups';
import { leaderboardPage } from '../../workers/api/src/scoring/leaderboard-page';
import { applyMigrations } from '../db/migrate';
import { openPglite } from '../db/pglite';

const { values } = parseArgs({
  options: {
    fans: { type: 'string', default: '20000' },
    shows: { type: 'string', default: '2000' },
    'per-show': { type: 'string', default: '150' },
    plans: { type: 'boolean', default: false },
  },
});
const fans = Number(values.fans);
const showCount = Number(values.shows);
const perShow = Number(values['per-show']);

const pg = await openPglite();
await applyMigrations(pg);
console.log(
  `seeding: ${fans} fans, ${showCount} shows, ${perShow} scores per show (${showCount * perShow} fan_scores rows)…`,
);
await pg.exec(`
  insert into artists (id, slug, name) select gen_random_uuid(), 'a' || i, 'Artist ' || i from generate_series(1, 200) i;
  insert into venues (slug, name, city, country, time_zone) values ('v', 'V', 'Berlin', 'DE', 'Europe/Berlin');
  insert into users (email, password_hash, display_name) select 'u' || i || '@x.test', 'x', 'Fan ' || i from generate_series(1, ${fans}) i;
  insert into shows (slug, artist_id, venue_id, starts_at, status, voting_opens_at, voting_closes_at)
    select 's' || i, (select id from artists order by slug offset (i % 200) limit 1), (select id from venues limit 1),
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
const periodRows = (await pg.query<{ n: number }>('select count(*)::int as n from fan_period_totals')).rows[0]!.n;
console.log(
  `rollups rebuilt from fan_scores in ${Math.round(performance.now() - rebuildStarted)} ms (fan_period_totals: ${periodRows} rows)`,
);
await pg.exec('analyze');
const artistId = (
  await pg.query<{ id: string }>(
    'select artist_id as id from fan_scores group by artist_id order by count(*) desc limit 1',
  )
).rows[0]!.id;

for (const [name, period, artist] of [
  ['global week', 'week', undefined],
  ['global month', 'month', undefined],
  ['global year', 'year', undefined],
  ['global all', 'all', undefined],
  ['artist all', 'all', artistId],
  ['artist week', 'week', artistId],
  ['artist year', 'year', artistId],
] as const) {
  captured.length = 0;
  await leaderboardPage(db as unknown as Database, { period, limit: 20 }, artist);
  for (const [i, statement] of captured.entries()) {
    const plan = (
      await pg.query<{ 'QUERY PLAN': string }>(`explain analyze ${statement.sql}`, statement.params as never[])
    ).rows.map((r) => r['QUERY PLAN']);
    const indexes = [...new Set(plan.join('\n').match(/(fan_scores|fan_totals|fan_period_totals|users)_\w+/g) ?? [])];
    const seq = plan.filter((l) => /Seq Scan on/.test(l)).map((l) => l.trim().split('  ')[0]);
    console.log(
      `\n== ${name} (statement ${i + 1}/${captured.length}): ${plan.at(-1)?.trim()}; indexes: ${indexes.join(', ') || 'none'}${seq.length ? `; ${seq.join(', ')}` : ''}`,
    );
    if (values.plans) for (const line of plan) console.log(`   ${line}`);
  }
}
await pg.close();
