/**
 * Where the time of a show page goes: the same request taken apart, one layer at a time, one request at a
 * time (no concurrency, on the idle stack, after the load), over shows the load never asked for.
 *
 *   http  /docs                       dev proxy + api worker, no database, no rate limiter
 *   http  show page, cache HIT        + the rate limiter (a Durable Object) + the response cache
 *   http  show page, cache MISS       + the route: its three statements through the relay to Postgres
 *   http  /health                     + one database connection through the relay and `select version()`
 *   db    EXPLAIN ANALYZE             Postgres' own execution time of the three statements
 *   db    pg, open connections        the statements over already-open connections (round trips only)
 *   db    pg, new connections         a Pool per request (statement 1, then 2 ‖ 3), direct: how the worker read until
 *                                     reads went over HTTP (its writes still open one WebSocket Pool per request)
 *   db    Neon driver via the relay   the same, with the worker's driver, through the relay's WebSocket
 *   db    Neon HTTP via the relay     neon() over SQL-over-HTTP, as the worker reads now: the relay (like Neon) runs
 *                                     it on pooled connections
 *
 * The statements are the route's own (captured by running workers/api/src/routes/shows.ts with a recording
 * drizzle, scripts/explain/routes.ts), with each probed show's parameters.
 */
import { Pool as NeonPool, neon, neonConfig } from '@neondatabase/serverless';
import pg from 'pg';
import ws from 'ws';
import { neonLocalConfig } from '#shared/db/neon-config';
import { type CapturedQuery, routeRunner } from '../../scripts/explain/routes';
import { Histogram, type HistogramSummary } from '../room/histogram';
import { isHit } from './load';

export interface ProbeRow {
  layer: string;
  what: string;
  latency: HistogramSummary;
}

interface ShowStatements {
  path: string;
  /** In the route's order: the show (awaited alone), then the top songs and the count (Promise.all). */
  statements: CapturedQuery[];
}

async function timeEach<T>(items: T[], run: (item: T) => Promise<unknown>): Promise<HistogramSummary> {
  const h = new Histogram();
  for (const item of items) {
    const t0 = performance.now();
    await run(item);
    h.record(performance.now() - t0);
  }
  return h.summary();
}

/** The show page's pattern on a pool: statement 1, then the others at once (Promise.all in the route). */
async function showPattern(query: (q: CapturedQuery) => Promise<unknown>, s: ShowStatements): Promise<void> {
  const [first, ...rest] = s.statements;
  if (first) await query(first);
  await Promise.all(rest.map(query));
}

/** The part of a pg or Neon driver Pool the probe uses. */
interface ProbePool {
  query(sql: string, params?: unknown[]): Promise<unknown>;
  end(): Promise<void>;
}

/** The show pattern over connections opened beforehand (2, as the route's Promise.all would use): round trips only. */
async function overOpenConnections(what: string, pool: ProbePool, captured: ShowStatements[]): Promise<ProbeRow> {
  await Promise.all([pool.query('select 1'), pool.query('select 1')]);
  const latency = await timeEach(captured, (s) => showPattern((q) => pool.query(q.sql, q.params), s));
  await pool.end();
  return { layer: 'db', what, latency };
}

/** The show pattern on a new pool per request, as the worker's openDatabase() does: opened, used, closed. */
async function poolPerRequest(what: string, newPool: () => ProbePool, captured: ShowStatements[]): Promise<ProbeRow> {
  const latency = await timeEach(captured, async (s) => {
    const pool = newPool();
    await showPattern((q) => pool.query(q.sql, q.params), s);
    await pool.end();
  });
  return { layer: 'db', what, latency };
}

export async function probeShowPage(opts: {
  baseUrl: string;
  databaseUrl: string;
  relay: string | undefined;
  iterations: number;
  exclude: Set<string>;
  log: (line: string) => void;
}): Promise<ProbeRow[]> {
  const client = new pg.Client({ connectionString: opts.databaseUrl });
  await client.connect();
  const rows: ProbeRow[] = [];
  try {
    // Upcoming shows the load did not request: their URLs are not in the response cache.
    const { rows: ids } = await client.query<{ id: string }>(
      `select id from shows where status in ('upcoming', 'live') order by md5(id::text) desc limit $1`,
      [opts.iterations + opts.exclude.size],
    );
    const shows = ids
      .map((r) => r.id)
      .filter((id) => !opts.exclude.has(`/v1/shows/${id}`))
      .slice(0, opts.iterations);
    const runner = await routeRunner(client);
    const captured: ShowStatements[] = [];
    for (const id of shows) {
      const res = await runner.request(`/v1/shows/${id}`);
      if (res.status !== 200) throw new Error(`probe: GET /v1/shows/${id} in Node answered ${res.status}`);
      captured.push({ path: `/v1/shows/${id}`, statements: res.queries });
    }
    opts.log(`probe: ${shows.length} shows, ${captured[0]?.statements.length ?? 0} statements per show page`);

    const http = async (path: string) => {
      const res = await fetch(`${opts.baseUrl}${path}`, { headers: { 'CF-Connecting-IP': '198.19.255.254' } });
      await res.arrayBuffer();
      return res;
    };
    rows.push({
      layer: 'http',
      what: 'GET /docs (proxy + worker, no DB, no limiter)',
      latency: await timeEach(shows, () => http('/docs')),
    });
    const miss = new Histogram();
    const hit = new Histogram();
    for (const s of captured) {
      // First request: not in the cache yet (MISS); the second: answered from it (HIT).
      for (let i = 0; i < 2; i++) {
        const t0 = performance.now();
        const res = await http(s.path);
        const ms = performance.now() - t0;
        const how = res.headers.get('X-Cache');
        if (isHit(how)) hit.record(ms);
        else if (how === 'MISS' && i === 0) miss.record(ms);
      }
    }
    rows.push({ layer: 'http', what: 'show page, cache HIT (+ rate limiter + cache)', latency: hit.summary() });
    rows.push({
      layer: 'http',
      what: 'show page, cache MISS (+ route + 3 statements via relay)',
      latency: miss.summary(),
    });
    rows.push({
      layer: 'http',
      what: 'GET /health (+ 1 connection via relay, select version())',
      latency: await timeEach(shows, () => http('/health')),
    });

    // Postgres' own time.
    const exec = new Histogram();
    for (const s of captured) {
      let sum = 0;
      for (const q of s.statements) {
        const { rows: out } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${q.sql}`, q.params);
        sum += (out[0] as { 'QUERY PLAN': { 'Execution Time': number }[] })['QUERY PLAN'][0]!['Execution Time'];
      }
      exec.record(sum);
    }
    rows.push({ layer: 'db', what: 'EXPLAIN ANALYZE: execution, sum of the 3 statements', latency: exec.summary() });

    const pgPool = () => new pg.Pool({ connectionString: opts.databaseUrl, max: 4 });
    rows.push(await overOpenConnections('pg direct, open connections: 1 then 2 ‖ 3', pgPool(), captured));
    rows.push(await poolPerRequest('pg direct, new pool per request (connect + statements + end)', pgPool, captured));

    if (opts.relay) {
      neonConfig.webSocketConstructor = ws;
      Object.assign(neonConfig, neonLocalConfig(opts.relay));
      const neonPool = () => {
        const pool = new NeonPool({ connectionString: 'postgres://bench:bench@localhost:5432/mysetlist', max: 4 });
        pool.on('error', () => {});
        return pool;
      };
      rows.push(
        await poolPerRequest('Neon driver via relay, new pool per request (the old read path)', neonPool, captured),
      );
      rows.push(await overOpenConnections('Neon driver via relay, open connections', neonPool(), captured));

      // SQL over HTTP (`neon()`): no connection per request; the relay's /sql, like Neon's, uses pooled ones.
      const sqlOverHttp = neon('postgres://bench:bench@localhost:5432/mysetlist');
      rows.push({
        layer: 'db',
        what: 'Neon HTTP (neon()) via relay: 1 then 2 ‖ 3 (the read path)',
        latency: await timeEach(captured, (s) => showPattern((q) => sqlOverHttp.query(q.sql, q.params), s)),
      });
      rows.push({
        layer: 'db',
        what: 'Neon HTTP via relay: the 3 in one request (transaction)',
        latency: await timeEach(captured, (s) =>
          sqlOverHttp.transaction(
            s.statements.map((q) => sqlOverHttp.query(q.sql, q.params)),
            { readOnly: true },
          ),
        ),
      });
    }
  } finally {
    await client.end();
  }
  return rows;
}
