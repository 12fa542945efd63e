/**
 * `npx tsx bench/analytics/index.ts [--votes 50000] [--accounts 5000]`: what the analytics pieces cost.
 *
 * 1. The api worker's per-request recording (RequestMetrics.record) in ns per request, and the size of the one
 *    queue message an isolate sends per flush, for 1,000,000 requests over 60 routes.
 * 2. The anomaly detector's three rule queries (findClusters, as the every-minute cron runs them) on embedded
 *    PostgreSQL (PGlite, single-threaded WASM: a real server is faster) with `--votes` vote events inside the
 *    5-minute window from `--accounts` accounts on 20 shows × 200 songs (the first 30 accounts are minutes old and
 *    share one network), after all migrations. The data has no history, so every show also trips the rate rule.
 * Prints the figures and the command to reproduce them.
 */
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import type { Database } from '#shared/db/client';
import { MIGRATIONS_FOLDER } from '../../scripts/db/migrate';
import { openPglite } from '../../scripts/db/pglite';
import { findClusters } from '../../workers/api/src/analytics/anomalies';
import { RequestMetrics } from '../../workers/api/src/analytics/request-metrics';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}
const VOTES = arg('votes', 50_000);
const ACCOUNTS = arg('accounts', 5_000);

// 1. Request recording.
const metrics = new RequestMetrics(0);
const routes = Array.from({ length: 60 }, (_, i) => `GET /v1/route-${i}/:id`);
const N = 1_000_000;
let now = Date.now();
const started = process.hrtime.bigint();
for (let i = 0; i < N; i++) metrics.record(routes[i % 60]!, i % 50 ? 200 : 503, (i * 7) % 400, now + (i >> 10));
const elapsedNs = Number(process.hrtime.bigint() - started);
const rows = metrics.take(now);
const messageBytes = JSON.stringify({ rows: rows.slice(0, 60) }).length;
console.log(
  `request recording: ${(elapsedNs / N).toFixed(0)} ns per request (${N.toLocaleString()} requests, 60 routes); one flush message for 60 routes = ${messageBytes.toLocaleString()} bytes`,
);

// 2. Detector queries.
const pg = await openPglite();
const db = drizzle({ client: pg });
await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
now = Date.now();
await pg.exec(`
  insert into artists (id, slug, name) values ('00000000-0000-4000-8000-000000000001', 'bench-artist', 'Bench');
  insert into venues (id, slug, name, city, country, time_zone) values ('00000000-0000-4000-8000-000000000002', 'bench-venue', 'Bench', 'Berlin', 'DE', 'Europe/Berlin');`);
await pg.query(
  `insert into shows (id, slug, artist_id, venue_id, starts_at, voting_opens_at, voting_closes_at)
   select ('00000000-0000-4000-9000-' || lpad(g::text, 12, '0'))::uuid, 'bench-show-' || g, '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', now(), now() - interval '1 day', now() + interval '1 day'
   from generate_series(1, 20) g`,
);
await pg.query(
  `insert into users (id, email, password_hash, display_name, created_at)
   select ('00000000-0000-4000-a000-' || lpad(g::text, 12, '0'))::uuid, 'bench' || g || '@example.test', 'x', 'Bench ' || g,
          case when g <= 30 then now() - interval '5 minutes' else now() - interval '400 days' end
   from generate_series(1, $1::int) g`,
  [ACCOUNTS],
);
// Votes spread over the last 4 minutes on 20 shows × 10 songs from many networks; the first 30 accounts (new) all
// vote on one song from one network.
await pg.query(
  `insert into analytics_events (event_id, kind, at, user_id, show_id, data)
   select gen_random_uuid(), 'vote', now() - (random() * interval '4 minutes'),
          ('00000000-0000-4000-a000-' || lpad((1 + (g % $2::int))::text, 12, '0'))::uuid,
          ('00000000-0000-4000-9000-' || lpad((1 + g % 20)::text, 12, '0'))::uuid,
          jsonb_build_object('voteId', gen_random_uuid(), 'setlistSongId', ('00000000-0000-4000-b000-' || lpad((g % 200)::text, 12, '0')),
                             'networkId', case when (1 + (g % $2::int)) <= 30 then 'aaaaaaaaaaaaaaaa' else lpad(to_hex(g % 4000), 16, '0') end)
   from generate_series(1, $1::int) g`,
  [VOTES, ACCOUNTS],
);
await pg.exec('analyze');
const asDatabase = { $primary: db } as unknown as Database;
const timings: number[] = [];
let clusters: string[] = [];
for (let run = 0; run < 5; run++) {
  const t = performance.now();
  clusters = (await findClusters(asDatabase, new Date())).map((c) => c.rule);
  timings.push(performance.now() - t);
}
const byRule = Object.entries(
  clusters.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r]: (acc[r] ?? 0) + 1 }), {}),
)
  .map(([r, n]) => `${r} ${n}`)
  .join(', ');
timings.sort((a, b) => a - b);
const events = (await db.execute<{ n: number }>(sql`select count(*)::int as n from analytics_events`)).rows[0]!.n;
console.log(
  `detector (3 rule queries): median ${timings[2]!.toFixed(0)} ms, min ${timings[0]!.toFixed(0)} ms over 5 runs; ${events.toLocaleString()} vote events in the window, ${ACCOUNTS.toLocaleString()} accounts; flagged: ${byRule || 'nothing'}`,
);
console.log(`reproduce: npx tsx bench/analytics/index.ts --votes ${VOTES} --accounts ${ACCOUNTS}`);
await pg.close();
