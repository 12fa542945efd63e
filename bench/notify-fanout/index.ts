/**
 * npm run bench:notify-fanout [-- --followers 100000 --page 1000 --per-message 100 --database-url postgres://…]
 *
 * Measures the notification fan-out of one show announcement to N synthetic followers: the consumer's own
 * `fanoutStep` (workers/queue-consumers/src/notifications/fanout.ts) is run step after step, exactly as the
 * queue would run it, against an embedded PGlite (default) or a real Postgres, and the bench reports how many
 * steps, database round trips and queue messages the event became, how long each step took, and checks that
 * every follower appears exactly once. The queue hops between steps are not included (they depend on
 * Cloudflare's delivery latency, not on this code).
 */
import { parseArgs } from 'node:util';
import type { NeonQueryFunction } from '@neondatabase/serverless';
import pg from 'pg';
import { FANOUT_PAGE_SIZE, RECIPIENTS_PER_MESSAGE } from '#shared/notifications/policy';
import type { NotificationFanout } from '#shared/schemas/notifications';
import { applyMigrations } from '../../scripts/db/migrate';
import { openPglite } from '../../scripts/db/pglite';
import { fanoutStep } from '../../workers/queue-consumers/src/notifications/fanout';

const { values } = parseArgs({
  options: {
    followers: { type: 'string', default: '100000' },
    page: { type: 'string', default: String(FANOUT_PAGE_SIZE) },
    'per-message': { type: 'string', default: String(RECIPIENTS_PER_MESSAGE) },
    'database-url': { type: 'string' },
  },
});
const followers = Number(values.followers);
const pageSize = Number(values.page);
const perMessage = Number(values['per-message']);

type Run = (text: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/** The slice of Neon's HTTP client that fanoutStep uses, over a plain driver: lazy queries, `transaction` = one round trip. */
function neonLike(run: Run, counters: { roundTrips: number }): NeonQueryFunction<false, false> {
  type Lazy = { text: string; params: unknown[] };
  const query = (text: string, params: unknown[] = []): Lazy => ({ text, params });
  const transaction = async (queries: Lazy[]) => {
    counters.roundTrips++;
    const results: Record<string, unknown>[][] = [];
    for (const q of queries) results.push(await run(q.text, q.params));
    return results;
  };
  return { query, transaction } as unknown as NeonQueryFunction<false, false>;
}

async function main() {
  let run: Run;
  let close: () => Promise<void>;
  let label: string;
  if (values['database-url']) {
    const client = new pg.Client({ connectionString: values['database-url'] });
    await client.connect();
    await applyMigrations(client);
    run = async (text, params) => (await client.query(text, params)).rows as Record<string, unknown>[];
    close = () => client.end();
    label = 'postgres';
  } else {
    const db = await openPglite();
    await applyMigrations(db);
    run = async (text, params) => (await db.query(text, params)).rows as Record<string, unknown>[];
    close = () => db.close();
    label = 'pglite (embedded)';
  }
  const tag = Math.random().toString(36).slice(2, 8);
  const setupStart = performance.now();
  const [artist] = await run(`insert into artists (slug, name) values ($1, $2) returning id`, [
    `bench-${tag}`,
    `Bench Artist ${tag}`,
  ]);
  const [venue] = await run(
    `insert into venues (slug, name, city, country, time_zone) values ($1, 'Bench Hall', 'Berlin', 'DE', 'Europe/Berlin') returning id`,
    [`bench-${tag}`],
  );
  const [show] = await run(
    `insert into shows (slug, artist_id, venue_id, starts_at, voting_opens_at, voting_closes_at) values ($1, $2, $3, now() + interval '30 days', now(), now() + interval '30 days') returning id`,
    [`bench-${tag}`, artist!.id, venue!.id],
  );
  await run(
    `with u as (insert into users (email, password_hash, display_name) select 'bench-' || $2 || '-' || g || '@bench.invalid', '!', 'Bench' from generate_series(1, $1::int) g returning id)
     insert into follows (user_id, artist_id) select id, $3 from u`,
    [followers, tag, artist!.id],
  );
  console.log(
    `setup: ${followers.toLocaleString('en')} followers in ${((performance.now() - setupStart) / 1000).toFixed(1)} s (${label})`,
  );

  const counters = { roundTrips: 0 };
  const sql = neonLike(run, counters);
  let step: NotificationFanout | undefined = {
    v: 2,
    type: 'fanout',
    eventId: crypto.randomUUID(),
    trigger: { kind: 'show_announced', showId: String(show!.id) },
  };
  const seen = new Set<string>();
  let duplicates = 0;
  let deliverMessages = 0;
  let largestMessage = 0;
  const stepMs: number[] = [];
  const start = performance.now();
  while (step) {
    const t0 = performance.now();
    const result = await fanoutStep(sql, step, pageSize, perMessage);
    stepMs.push(performance.now() - t0);
    step = undefined;
    for (const m of result.messages) {
      if (m.type === 'fanout') step = m;
      else if (m.type === 'deliver') {
        deliverMessages++;
        largestMessage = Math.max(largestMessage, m.userIds.length);
        for (const id of m.userIds) seen.has(id) ? duplicates++ : seen.add(id);
      }
    }
  }
  const totalMs = performance.now() - start;
  await close();
  stepMs.sort((a, b) => a - b);
  const pct = (p: number) => stepMs[Math.min(stepMs.length - 1, Math.floor(p * stepMs.length))]!.toFixed(1);
  console.log(`
notification fan-out of one show announcement — ${label}
  followers                 ${followers.toLocaleString('en')}
  page size / per message   ${pageSize} / ${perMessage}
  fan-out steps (messages)  ${stepMs.length}
  deliver messages          ${deliverMessages.toLocaleString('en')} (largest ${largestMessage} recipients)
  queue messages in all     ${(stepMs.length + deliverMessages).toLocaleString('en')}
  DB round trips            ${counters.roundTrips} (${(followers / Math.max(1, counters.roundTrips)).toFixed(0)} recipients each)
  step time p50 / p95 / max ${pct(0.5)} / ${pct(0.95)} / ${stepMs.at(-1)!.toFixed(1)} ms
  fan-out time (no queue)   ${(totalMs / 1000).toFixed(2)} s
  recipients reached        ${seen.size.toLocaleString('en')} (duplicates ${duplicates})
  verdict                   ${seen.size === followers && duplicates === 0 ? 'PASS: every follower exactly once' : 'FAIL'}
reproduce: npm run bench:notify-fanout -- --followers ${followers} --page ${pageSize} --per-message ${perMessage}${values['database-url'] ? ' --database-url <url>' : ''}`);
  if (seen.size !== followers || duplicates) process.exit(1);
}

await main();
