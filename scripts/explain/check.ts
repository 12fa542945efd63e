/**
 * `npm run db:explain -- [--database-url URL] [--threshold 10000] [--repeat 3] [--cron] [--json FILE] [--plans]`
 *
 * EXPLAIN ANALYZE of every statement the main read endpoints send, on a seeded database (at scale: see
 * scripts/seed, `--scale 50 --artists 10000`), and a verdict: exit 1 when a plan reads a large table with a
 * Seq Scan, or when an endpoint does not answer 200.
 *
 * How the statements are obtained: the api worker's own route modules run in Node against a recording
 * node-postgres drizzle (routes.ts), with realistic parameters picked from the data (params.ts): the
 * busiest upcoming show, the most popular artist, the biggest city, search terms made from real names, the
 * demo fan signed in. Every statement a request sends is captured with its parameters and explained.
 *
 * Everything runs in ONE transaction that is rolled back: the session created for the signed-in requests,
 * the trending recompute (when trending_scores is empty, as after a fresh seed, the cron's recompute is run
 * first so /trending has rows to rank), and EXPLAIN ANALYZE itself, which executes the statements.
 *
 * "Large": more than --threshold rows here (pg_class.reltuples), or one of the tables that are large in
 * production whatever their size in this database (LARGE_TABLES). A Seq Scan on a large table fails the
 * check; on a listed table that is small here, the statement is planned again with enable_seqscan = off:
 * if an index can serve it the Seq Scan is only the planner's choice for a tiny table (noted, not failed).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { Database } from '#shared/db/client';
import { hashSessionToken, newSessionToken } from '../../workers/api/src/auth/session-token';
import { refreshArtistSimilarity } from '../../workers/api/src/recommend/similarity';
import { recomputeTrending } from '../../workers/api/src/trending/recompute';
import { pickReadParams, type ReadParams } from './params';
import { describeStatement, type ExplainOutput, type PlanFacts, planFacts } from './plan';
import { type CapturedQuery, routeRunner } from './routes';

/** Large in production, whatever their size in the database at hand. */
export const LARGE_TABLES = [
  'shows',
  'votes',
  'setlist_songs',
  'songs',
  'users',
  'follows',
  'sessions',
  'analytics_events',
] as const;

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/mysetlist_scale';

interface Endpoint {
  name: string;
  path: string | ((previous: Map<string, unknown>) => string | undefined);
  signedIn?: boolean;
}

/** The main read endpoints, with their parameters; `page 2` entries follow the previous response's cursor. */
function endpoints(p: ReadParams): Endpoint[] {
  const q = (s: string) => encodeURIComponent(s);
  const nextCursor = (name: string) => (prev: Map<string, unknown>) => {
    const cursor = (prev.get(name) as { nextCursor?: string | null } | undefined)?.nextCursor;
    return cursor ? cursor : undefined;
  };
  const page2 = (name: string, base: string) => (prev: Map<string, unknown>) => {
    const cursor = nextCursor(name)(prev);
    return cursor ? `${base}${base.includes('?') ? '&' : '?'}cursor=${q(cursor)}` : undefined;
  };
  return [
    { name: 'GET /v1/shows/{id}', path: `/v1/shows/${p.show.id}` },
    { name: 'GET /v1/shows/{slug}', path: `/v1/shows/${p.show.slug}` },
    { name: 'GET /v1/shows?status=upcoming', path: '/v1/shows?status=upcoming&limit=20' },
    {
      name: 'GET /v1/shows?status=upcoming page 2',
      path: page2('GET /v1/shows?status=upcoming', '/v1/shows?status=upcoming&limit=20'),
    },
    { name: 'GET /v1/shows?city', path: `/v1/shows?city=${q(p.city)}&status=upcoming&limit=20` },
    { name: 'GET /v1/shows?city (small city)', path: `/v1/shows?city=${q(p.smallCity)}&status=upcoming&limit=20` },
    { name: 'GET /v1/shows?artistId', path: `/v1/shows?artistId=${p.artist.id}&limit=20` },
    { name: 'GET /v1/shows?venueId', path: `/v1/shows?venueId=${p.venue.id}&limit=20` },
    { name: 'GET /v1/shows?sort=trending', path: '/v1/shows?sort=trending&limit=20' },
    {
      name: 'GET /v1/shows?sort=trending page 2',
      path: page2('GET /v1/shows?sort=trending', '/v1/shows?sort=trending&limit=20'),
    },
    { name: 'GET /v1/artists/{slug}', path: `/v1/artists/${p.artist.slug}` },
    { name: 'GET /v1/artists?sort=name', path: '/v1/artists?limit=20' },
    { name: 'GET /v1/artists?sort=popularity', path: '/v1/artists?sort=popularity&limit=20' },
    { name: 'GET /v1/artists?sort=trending', path: '/v1/artists?sort=trending&limit=20' },
    {
      name: 'GET /v1/artists?genre&hasUpcoming',
      path: `/v1/artists?genre=${q(p.artist.genre ?? 'rock')}&hasUpcoming=true&limit=20`,
    },
    { name: 'GET /v1/artists/{slug}/songs', path: `/v1/artists/${p.artist.slug}/songs` },
    { name: 'GET /v1/artists/{slug}/songs?q', path: `/v1/artists/${p.artist.slug}/songs?q=lov` },
    { name: 'GET /v1/artists/{slug}/similar', path: `/v1/artists/${p.artist.slug}/similar` },
    { name: 'GET /v1/venues?city', path: `/v1/venues?city=${q(p.city)}&limit=20` },
    { name: 'GET /v1/venues?city (small city)', path: `/v1/venues?city=${q(p.smallCity)}&limit=20` },
    { name: 'GET /v1/venues/{slug}', path: `/v1/venues/${p.venue.slug}` },
    ...p.searchTerms.map((term) => ({ name: `GET /v1/search?q=${term}`, path: `/v1/search?q=${q(term)}` })),
    { name: 'GET /v1/trending/shows', path: '/v1/trending/shows?limit=20' },
    { name: 'GET /v1/trending/shows page 2', path: page2('GET /v1/trending/shows', '/v1/trending/shows?limit=20') },
    { name: 'GET /v1/trending/artists', path: '/v1/trending/artists?limit=20' },
    { name: 'GET /v1/me/feed', path: '/v1/me/feed?limit=20', signedIn: true },
    { name: 'GET /v1/me/feed page 2', path: page2('GET /v1/me/feed', '/v1/me/feed?limit=20'), signedIn: true },
    { name: 'GET /v1/me/follows', path: '/v1/me/follows', signedIn: true },
    { name: 'GET /v1/shows/{id}/forecast', path: `/v1/shows/${p.show.id}/forecast` },
    { name: 'GET /v1/me/recommendations', path: '/v1/me/recommendations', signedIn: true },
  ];
}

export interface CheckedStatement {
  endpoint: string;
  index: number;
  label: string;
  sql: string;
  params: unknown[];
  facts?: PlanFacts;
  /** Execution time of each EXPLAIN ANALYZE run; facts.executionMs is their median. */
  runsMs?: number[];
  plan?: unknown;
  verdict: 'ok' | 'FAIL' | 'note';
  reasons: string[];
  error?: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};

async function explain(
  client: pg.Client,
  q: CapturedQuery,
  repeat: number,
): Promise<{ output: ExplainOutput; runsMs: number[] }> {
  let output: ExplainOutput | undefined;
  const runsMs: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${q.sql}`, q.params);
    output = (rows[0] as { 'QUERY PLAN': ExplainOutput[] })['QUERY PLAN'][0]!;
    runsMs.push(output['Execution Time'] ?? NaN);
  }
  return { output: output!, runsMs };
}

/** With sequential scans discouraged: which tables does the planner still have to scan whole? */
async function seqScansWithoutChoice(client: pg.Client, q: CapturedQuery): Promise<Set<string>> {
  await client.query('SAVEPOINT no_seqscan');
  try {
    await client.query('SET LOCAL enable_seqscan = off');
    const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${q.sql}`, q.params);
    const facts = planFacts((rows[0] as { 'QUERY PLAN': ExplainOutput[] })['QUERY PLAN'][0]!);
    return new Set(facts.seqScans.map((s) => s.table));
  } finally {
    await client.query('ROLLBACK TO SAVEPOINT no_seqscan');
  }
}

function table(rows: string[][], rightAligned: Set<number>): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (rightAligned.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const ms = (n: number | undefined) =>
  n === undefined || !Number.isFinite(n) ? '–' : n < 10 ? n.toFixed(2) : n.toFixed(1);
const int = (n: number | undefined) => (n === undefined ? '–' : Math.round(n).toLocaleString('en-US'));

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'database-url': { type: 'string' },
      threshold: { type: 'string', default: '10000' },
      repeat: { type: 'string', default: '3' },
      cron: { type: 'boolean', default: false },
      json: { type: 'string' },
      try: { type: 'string', multiple: true, default: [] },
      plans: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(`usage: npm run db:explain -- [--database-url URL] [--threshold ROWS] [--repeat N] [--cron] [--json FILE] [--plans]
                              [--try 'CREATE INDEX …' …]
  --threshold ROWS  a Seq Scan on a table with more rows than this fails (default 10000); the tables
                    ${LARGE_TABLES.join(', ')} count as large whatever their size here
  --repeat N        EXPLAIN ANALYZE runs per statement; the median execution time is reported (default 3)
  --cron            also check the two statements of the trending recompute (the cron, every 10 min)
  --try SQL         run SQL first (e.g. a candidate index), inside the transaction that is rolled back at the
                    end: the check then shows the plans with it, and nothing is left behind
  --plans           print the text plan of every failing statement
  --json FILE       write every statement, its parameters, plan and verdict`);
    return 0;
  }
  const url = values['database-url'] ?? process.env.DATABASE_URL ?? DEFAULT_URL;
  const threshold = Number(values.threshold);
  const repeat = Math.max(1, Math.trunc(Number(values.repeat)));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = performance.now();
  try {
    await client.query('BEGIN');
    const { rows: sizeRows } = await client.query<{ relname: string; rows: string }>(
      `select c.relname, greatest(c.reltuples, 0)::bigint as rows from pg_class c
        where c.relkind = 'r' and c.relnamespace = 'public'::regnamespace`,
    );
    const sizes = new Map(sizeRows.map((r) => [r.relname, Number(r.rows)]));
    const { rows: version } = await client.query<{ v: string }>('select version() as v');
    console.log(`database: ${redact(url)} — ${version[0]?.v.split(' on ')[0]}`);
    console.log(
      `tables: ${[...sizes]
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1])
        .map(([t, n]) => `${t} ${int(n)}`)
        .join(' · ')}`,
    );

    const runner = await routeRunner(client);
    const notes: string[] = [];
    for (const statement of values.try ?? []) {
      await client.query(statement);
      notes.push(`tried (rolled back at the end): ${statement}`);
    }
    const { rows: scored } = await client.query<{ n: string }>('select count(*) as n from trending_scores');
    const cronStatements: CapturedQuery[] = [];
    // The cron's own code, recorded (with --cron its two statements are checked, after the endpoints: the
    // recompute rewrites trending_scores, which would change the plans of the reads that follow it).
    const recompute = async () => {
      cronStatements.length = 0;
      const result = await runner.capture(cronStatements, () => recomputeTrending(runner.db as unknown as Database));
      await client.query('ANALYZE trending_scores');
      const { rows } = await client.query<{ n: string }>('select count(*) as n from trending_scores');
      sizes.set('trending_scores', Number(rows[0]?.n));
      return result;
    };
    if (Number(scored[0]?.n) === 0) {
      const result = await recompute();
      notes.push(
        `trending_scores was empty: ran the cron's recomputeTrending (${result.shows.scored} shows, ${result.artists.scored} artists scored), rolled back at the end`,
      );
    }

    // Likewise artist_similarity (GET /artists/{slug}/similar, /me/recommendations), filled by the hourly cron.
    const { rows: similar } = await client.query<{ n: string }>('select count(*) as n from artist_similarity');
    if (Number(similar[0]?.n) === 0) {
      const result = await refreshArtistSimilarity(runner.db.$primary);
      await client.query('ANALYZE artist_similarity');
      sizes.set('artist_similarity', result.rows);
      notes.push(
        `artist_similarity was empty: ran the cron's refreshArtistSimilarity (${result.rows} rows, ${(result.elapsedMs / 1000).toFixed(1)} s), rolled back at the end`,
      );
    }

    const params = await pickReadParams(client);
    console.log(
      `parameters: show ${params.show.slug} (${params.show.votes} votes) · artist ${params.artist.slug} (${params.artist.shows} shows) · city ${params.city} · ` +
        `small city ${params.smallCity} · venue ${params.venue.slug} · search ${params.searchTerms.map((t) => JSON.stringify(t)).join(', ')} · fan ${params.fan.email}`,
    );
    const token = newSessionToken();
    await client.query(
      `insert into sessions (user_id, token_hash, expires_at) values ($1, $2, now() + interval '1 day')`,
      [params.fan.id, await hashSessionToken(token)],
    );

    const knownTables = new Set(sizes.keys());
    const isLarge = (t: string) => (sizes.get(t) ?? 0) > threshold || (LARGE_TABLES as readonly string[]).includes(t);
    const checked: CheckedStatement[] = [];
    const failures: string[] = [];
    const responses = new Map<string, unknown>();
    const judge = async (endpoint: string, queries: CapturedQuery[]) => {
      for (const [i, q] of queries.entries()) {
        const entry: CheckedStatement = {
          endpoint,
          index: i + 1,
          label: describeStatement(q.sql, knownTables),
          sql: q.sql,
          params: q.params,
          verdict: 'ok',
          reasons: [],
        };
        checked.push(entry);
        await client.query('SAVEPOINT statement');
        try {
          const { output, runsMs } = await explain(client, q, repeat);
          entry.facts = { ...planFacts(output), executionMs: median(runsMs) };
          entry.runsMs = runsMs;
          entry.plan = output;
          for (const scan of entry.facts.seqScans.filter((s) => isLarge(s.table))) {
            const size = sizes.get(scan.table) ?? 0;
            const reason = (text: string) => {
              if (!entry.reasons.includes(text)) entry.reasons.push(text);
            };
            if (size > threshold) {
              entry.verdict = 'FAIL';
              // What would it take? Whether an index can serve the scan at all, and how much of the table it keeps.
              const forced = (await seqScansWithoutChoice(client, q)).has(scan.table);
              const kept =
                scan.actualRows !== undefined && size > 0
                  ? ` — keeps ${Math.round((100 * scan.actualRows) / ((scan.loops ?? 1) * size))} % of the rows`
                  : '';
              reason(
                `Seq Scan on ${scan.table} (${int(size)} rows)${scan.filter ? ` filter ${scan.filter}` : ''}${scan.loops && scan.loops > 1 ? `, ${scan.loops} loops` : ''}${kept}; ` +
                  (forced
                    ? 'no existing index can serve it'
                    : 'with seq scans disabled the planner uses an index instead (which may still read as many rows)'),
              );
            } else if ((await seqScansWithoutChoice(client, q)).has(scan.table)) {
              entry.verdict = 'FAIL';
              reason(
                `Seq Scan on ${scan.table} (${int(size)} rows here, large in production) and no index can serve it${scan.filter ? `: filter ${scan.filter}` : ''}`,
              );
            } else {
              if (entry.verdict === 'ok') entry.verdict = 'note';
              reason(
                `Seq Scan on ${scan.table}: only ${int(size)} rows here; an index serves it when the table is large (enable_seqscan=off plan)`,
              );
            }
          }
          for (const s of entry.facts.bigSorts)
            entry.reasons.push(`${s.node} of ${int(s.rows)} rows${s.key ? ` by ${s.key}` : ''}`);
          await client.query('RELEASE SAVEPOINT statement');
        } catch (err) {
          await client.query('ROLLBACK TO SAVEPOINT statement');
          entry.verdict = 'FAIL';
          entry.error = err instanceof Error ? err.message : String(err);
          entry.reasons.push(`EXPLAIN failed: ${entry.error}`);
        }
        if (entry.verdict === 'FAIL')
          failures.push(`${endpoint} #${entry.index} (${entry.label}): ${entry.reasons.join('; ')}`);
      }
    };

    for (const e of endpoints(params)) {
      const path = typeof e.path === 'string' ? e.path : e.path(responses);
      if (!path) {
        notes.push(`${e.name}: skipped (page 1 had no next page)`);
        continue;
      }
      await client.query('SAVEPOINT request');
      const res = await runner.request(path, e.signedIn ? { Authorization: `Bearer ${token}` } : {});
      await client.query('RELEASE SAVEPOINT request');
      responses.set(e.name, res.body);
      if (res.status !== 200) failures.push(`${e.name}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      if (!res.queries.length) notes.push(`${e.name}: sent no statement`);
      await judge(e.name, res.queries);
    }
    if (values.cron) {
      if (!cronStatements.length) await recompute();
      await judge('cron: trending recompute', cronStatements);
    }

    // The report.
    const rows: string[][] = [
      ['endpoint', '#', 'statement', 'plan root', 'indexes used', 'est. rows', 'rows', 'exec ms', 'plan ms', 'verdict'],
    ];
    for (const c of checked) {
      const f = c.facts;
      rows.push([
        c.index === 1 ? c.endpoint : '',
        String(c.index),
        c.label,
        f?.root ?? '–',
        f?.indexes.join(', ') || '–',
        int(f?.estimatedRows),
        int(f?.actualRows),
        ms(f?.executionMs),
        ms(f?.planningMs),
        c.verdict === 'ok' ? 'ok' : c.verdict,
      ]);
    }
    console.log('');
    console.log(table(rows, new Set([1, 5, 6, 7, 8])));
    // Per request: the statements a handler awaits one after another add up; Promise.all'd ones overlap in the worker.
    const perEndpoint = new Map<string, number>();
    for (const c of checked)
      perEndpoint.set(c.endpoint, (perEndpoint.get(c.endpoint) ?? 0) + (c.facts?.executionMs ?? 0));
    console.log('');
    console.log(
      `database execution time per request (sum of its statements, median of ${repeat} EXPLAIN ANALYZE runs each, warm cache):`,
    );
    console.log(`  ${[...perEndpoint].map(([e, t]) => `${e} ${ms(t)} ms`).join(' · ')}`);
    const details = checked.filter((c) => c.reasons.length);
    if (details.length) {
      console.log('');
      for (const c of details)
        console.log(`${c.verdict.padEnd(4)} ${c.endpoint} #${c.index} (${c.label}): ${c.reasons.join('; ')}`);
    }
    if (values.plans) {
      for (const c of checked.filter((x) => x.verdict === 'FAIL' && x.sql)) {
        const { rows: text } = await client
          .query(`EXPLAIN ${c.sql}`, c.params)
          .catch(() => ({ rows: [] as Record<string, string>[] }));
        console.log(`\n── ${c.endpoint} #${c.index}\n${c.sql}\n${text.map((r) => r['QUERY PLAN']).join('\n')}`);
      }
    }
    for (const n of notes) console.log(`note: ${n}`);
    const pass = failures.length === 0;
    console.log('');
    console.log(
      pass
        ? `PASS: ${checked.length} statements of ${perEndpoint.size} requests, no Seq Scan on a large table (> ${int(threshold)} rows or ${LARGE_TABLES.join('/')}) (${((performance.now() - started) / 1000).toFixed(1)} s)`
        : `FAIL: ${failures.length} problem(s):\n  ${failures.join('\n  ')}`,
    );
    if (values.json) {
      writeFileSync(
        values.json,
        `${JSON.stringify({ database: redact(url), threshold, params, pass, failures, notes, statements: checked }, null, 2)}\n`,
      );
      console.log(`JSON: ${values.json}`);
    }
    return pass ? 0 : 1;
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    await client.end();
  }
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('[db:explain] failed:', err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(2);
  },
);
