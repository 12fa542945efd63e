/**
 * `npm run bench:read`: the main read endpoints at scale — show page, artist page, search, trending, a signed-in
 * fan's feed — with many concurrent clients, COLD (fresh stack, every cache empty, each URL's first request)
 * then WARM (the same URLs again), in one run. Prints requests/s and p50/p95/p99 per endpoint and phase, the
 * api worker's own time per request (its access log), CPU per process, the show-page targets, and where a
 * show page's time goes (probe.ts); writes JSON to bench/results/read-<ts>.json.
 *
 * Phases: keys (from the database) → stack (start, or --url) → log-ins → COLD → WARM → access log → probe →
 * log-outs → stop → report. See bench/read/README.md.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { codeVersion } from '../lib/dev-stack';
import { writeResult } from '../lib/format';
import { busyLine, busyPct, machineInfo } from '../lib/machine';
import { findWorkersEntry, stackProcesses } from '../lib/procs';
import { benchRun, runMain } from '../lib/run';
import { Histogram } from '../room/histogram';
import { CpuSampler } from '../room/sampler';
import {
  ENDPOINTS,
  type EndpointName,
  parseOptions,
  type ReadBenchOptions,
  STACK_PORT,
  STACK_RELAY_PORT,
  USAGE,
  UsageError,
} from './args';
import { ensureTrending, type KeySets, pickKeys, prng } from './keys';
import { type RequestSample, type RequestSpec, runPhase, shuffled, syntheticIp, zipfPicker } from './load';
import { PostgresCpu } from './postgres-cpu';
import { probeShowPage } from './probe';
import { type PhaseRun, printReport, type ReadBenchResult, type Target, type WorkerTimes } from './report';
import { externalStack, type ReadStack, startReadStack } from './stack';

const t0 = performance.now();
const log = (line: string) =>
  console.log(`[bench:read ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}`);

async function login(baseUrl: string, users: KeySets['users']): Promise<string[]> {
  const tokens: string[] = [];
  // A few at a time: each log-in is 100,000 PBKDF2 iterations in the worker.
  for (let i = 0; i < users.length; i += 4) {
    const batch = users.slice(i, i + 4).map(async (u, j) => {
      const res = await fetch(`${baseUrl}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'CF-Connecting-IP': syntheticIp(100_000 + i + j) },
        body: JSON.stringify({ email: u.email, password: u.password }),
      });
      const body = (await res.json()) as { token?: string };
      if (!res.ok || !body.token)
        throw new Error(`log-in of ${u.email}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      return body.token;
    });
    tokens.push(...(await Promise.all(batch)));
  }
  return tokens;
}

async function logout(baseUrl: string, tokens: string[]): Promise<void> {
  await Promise.allSettled(
    tokens.map((t, i) =>
      fetch(`${baseUrl}/v1/auth/logout`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${t}`, 'CF-Connecting-IP': syntheticIp(100_000 + i) },
      }).then((r) => r.arrayBuffer()),
    ),
  );
}

/** The api worker's access-log lines (`"msg":"request"`) of the bench's requests, by request id. */
function workerDurations(logFile: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('"msg":"request"') || !line.includes('"requestId":"rb-')) continue;
    const json = line.slice(line.indexOf('{'));
    try {
      const entry = JSON.parse(json) as { requestId?: string; durationMs?: number };
      if (entry.requestId && typeof entry.durationMs === 'number') out.set(entry.requestId, entry.durationMs);
    } catch {
      // a line cut by another process's output
    }
  }
  return out;
}

function workerTimes(samples: Map<string, RequestSample>, durations: Map<string, number>, phase: string): WorkerTimes {
  const by = new Map<EndpointName, { worker: Histogram; outside: Histogram }>();
  for (const [id, s] of samples) {
    if (s.phase !== phase) continue;
    const d = durations.get(id);
    if (d === undefined) continue;
    let h = by.get(s.endpoint);
    if (!h) by.set(s.endpoint, (h = { worker: new Histogram(), outside: new Histogram() }));
    h.worker.record(d);
    h.outside.record(s.ms - d);
  }
  const endpoints: WorkerTimes['endpoints'] = {};
  for (const [e, h] of by)
    endpoints[e] = { worker: h.worker.summary(), outside: h.outside.summary(), matched: h.worker.count };
  return { endpoints };
}

function specsFor(keys: KeySets): RequestSpec[] {
  return [
    ...keys.show.map((path) => ({ endpoint: 'show' as const, path })),
    ...keys.artist.map((path) => ({ endpoint: 'artist' as const, path })),
    ...keys.search.map((path) => ({ endpoint: 'search' as const, path })),
    ...keys.trending.map((path) => ({ endpoint: 'trending' as const, path })),
    ...keys.feed.map((k) => ({ endpoint: 'feed' as const, path: k.path, user: k.user })),
  ];
}

async function main(opts: ReadBenchOptions): Promise<number> {
  const { startedAt, stamp, resultsDir, phases, phase } = benchRun();
  const notes: string[] = [];

  let busyBeforePct = await busyPct();
  const idleDeadline = performance.now() + opts.waitIdleS * 1000;
  while (busyBeforePct > 30 && performance.now() < idleDeadline) {
    log(
      `machine ${busyBeforePct.toFixed(0)} % busy (of one core): waiting for it to be idle (--wait-idle ${opts.waitIdleS})…`,
    );
    await new Promise((r) => setTimeout(r, 3000));
    busyBeforePct = await busyPct();
  }
  log(busyLine(busyBeforePct));
  if (busyBeforePct > 30)
    notes.push(
      `the machine was ${busyBeforePct.toFixed(0)} % busy (of one core) before the run: other work shares the cores, figures understate the stack`,
    );

  // Keys, from the database the stack serves.
  const db = new pg.Client({ connectionString: opts.databaseUrl });
  await db.connect();
  let keys: KeySets;
  let dataset: Record<string, number>;
  try {
    const trending = await ensureTrending(db);
    if (trending) notes.push(trending);
    const { rows } = await db.query<{ relname: string; n: string }>(
      `select relname, greatest(reltuples, 0)::bigint as n from pg_class
        where relkind = 'r' and relnamespace = 'public'::regnamespace and relname in ('artists', 'venues', 'shows', 'setlist_songs', 'votes', 'users', 'follows', 'songs')`,
    );
    dataset = Object.fromEntries(rows.map((r) => [r.relname, Number(r.n)]).sort((a, b) => Number(b[1]) - Number(a[1])));
    if ((dataset.shows ?? 0) < 10_000)
      notes.push(`the database holds only ${dataset.shows} shows: seed it at scale first (see bench/read/README.md)`);
    const counts = Object.fromEntries(
      ENDPOINTS.map((e) => [e, Math.max(opts.mix[e] > 0 ? 1 : 0, Math.round(opts.keys * opts.mix[e]))]),
    ) as Record<EndpointName, number>;
    keys = await pickKeys(db, counts, opts.users);
  } finally {
    await db.end();
  }
  log(
    `keys: ${ENDPOINTS.map((e) => `${e} ${e === 'feed' ? keys.feed.length : keys[e].length}`).join(', ')}; feed users ${keys.users.length}`,
  );
  phase('keys');

  const code = opts.url ? 'external stack' : codeVersion(opts.ref);
  let stack: ReadStack | undefined;
  let tokens: string[] = [];
  const abort = () => {
    log('interrupted; stopping the stack…');
    void Promise.allSettled([stack?.stop()]).then(() => process.exit(130));
  };
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  try {
    if (opts.url) {
      stack = externalStack(opts.url, opts.relay);
      log(
        `target: ${opts.url}${opts.relay ? ` (relay ${opts.relay})` : ''}; its caches are whatever they hold: COLD is only cold on a fresh stack`,
      );
      notes.push(
        '--url: the stack was not started by the bench, so COLD is cold only if that stack is fresh, and its response-cache freshness is its own',
      );
    } else {
      log(
        `starting the local stack against ${redact(opts.databaseUrl)} (scripts/dev.ts on :${STACK_PORT}, data in .data/bench-read, wiped)…`,
      );
      stack = await startReadStack({
        databaseUrl: opts.databaseUrl,
        port: STACK_PORT,
        relayPort: STACK_RELAY_PORT,
        logFile: resolve(resultsDir, `read-stack-${stamp}.log`),
        isolate: opts.isolate,
        ref: opts.ref,
        devVars: { RESPONSE_CACHE_FRESH_SECONDS: String(opts.freshS), LOG_LEVEL: opts.logLevel },
      });
      log(`stack healthy at ${stack.url} (relay ${stack.relay}); code from ${stack.codeDir}; log: ${stack.logFile}`);
    }
    phase('stack start');
    const port = Number(new URL(stack.url).port || 80);
    const procs = stackProcesses(port, stack.pid).map((p) => ({
      ...p,
      role: p.role.replace('relay + PGlite', 'relay'),
    }));
    if (!procs.length) notes.push("could not find the stack's processes in /proc: no per-process CPU figures");
    let baseUrl = stack.url;
    if (opts.direct) {
      const entry = await findWorkersEntry(procs);
      if (!entry) throw new Error("--direct: could not find the workers' workerd entry port");
      baseUrl = `http://127.0.0.1:${entry}`;
      log(`--direct: requests go to the workers' workerd on :${entry}, bypassing the dev proxy`);
    }

    tokens = await login(baseUrl, keys.users);
    log(`${tokens.length} fans signed in`);
    phase('log-ins');

    const random = prng(11);
    const all = specsFor(keys);
    const specs = shuffled(all, random);
    const byEndpoint = new Map<EndpointName, RequestSpec[]>(
      ENDPOINTS.map((e) => [e, all.filter((s) => s.endpoint === e)]),
    );
    const warmPick = zipfPicker(byEndpoint, opts.mix, prng(13));
    const samples = new Map<string, RequestSample>();
    const target = {
      baseUrl,
      concurrency: opts.concurrency,
      ips: opts.ips,
      tokens,
      onSample: (id: string, s: RequestSample) => samples.set(id, s),
    };
    const reloadsBefore = stack.reloads();

    const relayStats = async (method: 'GET' | 'DELETE') => {
      if (!stack?.relay) return undefined;
      try {
        const res = await fetch(`http://${stack.relay}/__relay/stats`, { method });
        return res.ok
          ? ((await res.json()) as { sqlRequests: number; wsConnections: number; wsFrames: number })
          : undefined;
      } catch {
        return undefined;
      }
    };
    const measure = async (
      name: string,
      durationS: number | undefined,
      rate: number | undefined,
    ): Promise<PhaseRun> => {
      await relayStats('DELETE');
      const sampler = procs.length ? new CpuSampler(procs) : undefined;
      const pgCpu = new PostgresCpu();
      sampler?.start(durationS ? (durationS * 1000) / 2 : 3000);
      pgCpu.start();
      log(
        `${name}: ${durationS === undefined ? `one pass over ${specs.length} distinct URLs` : `the same URLs again (Zipf popularity) for ${durationS} s`}, ${rate ? `open loop at ${rate} requests/s` : `${opts.concurrency} clients`}…`,
      );
      const pick = durationS === undefined ? (seq: number) => specs[seq] : () => warmPick();
      const figures = await runPhase(name, pick, { ...target, rate }, durationS, log);
      const postgresCpuPct = pgCpu.stop();
      const cpu = sampler?.stop();
      const stats = await relayStats('GET');
      const relay = stats && {
        wsConnections: stats.wsConnections,
        sqlRequests: stats.sqlRequests,
        wsFrames: stats.wsFrames,
        connectionsPerRequest: stats.wsConnections / figures.requests,
      };
      log(
        `${name}: ${figures.requests} requests in ${figures.wallS.toFixed(1)} s (${figures.perS.toFixed(0)}/s), p50 ${figures.all.p50Ms.toFixed(1)} ms p95 ${figures.all.p95Ms.toFixed(1)} ms, ${figures.errors} not 200`,
      );
      return { figures, cpu, postgresCpuPct, worker: undefined, relay };
    };
    const cold = await measure('COLD', undefined, opts.coldRate);
    phase('cold');
    const warm = await measure('WARM', opts.durationS, opts.rate);
    phase('warm');
    const reloads = stack.reloads() - reloadsBefore;
    if (reloads) notes.push(`INVALID RUN: wrangler reloaded the workers ${reloads}× during it (a source file changed)`);

    if (stack.logFile) {
      await new Promise((r) => setTimeout(r, 1500)); // the last access-log lines
      const durations = workerDurations(stack.logFile);
      cold.worker = workerTimes(samples, durations, 'COLD');
      warm.worker = workerTimes(samples, durations, 'WARM');
      if (!durations.size)
        notes.push(
          `no access-log line of the bench requests in the stack log (LOG_LEVEL ${opts.logLevel}): no worker times`,
        );
    }

    let probe: ReadBenchResult['probe'];
    if (opts.probe > 0) {
      log(`probe: where a show page's time goes (${opts.probe} shows, one request at a time)…`);
      probe = await probeShowPage({
        baseUrl,
        databaseUrl: opts.databaseUrl,
        relay: stack.relay,
        iterations: opts.probe,
        exclude: new Set(keys.show),
        log,
      });
      if (!stack.relay) notes.push('probe: no --relay given, so the path through the relay was not measured');
      phase('probe');
    }
    await logout(baseUrl, tokens);
    tokens = [];
    if (!opts.url) {
      log('stopping the stack…');
      await stack.stop();
    }
    phase('stack stop');

    const targets: Target[] = [];
    const showCold = cold.figures.endpoints.show?.latency.p95Ms ?? NaN;
    const showWarm = warm.figures.endpoints.show?.latency.p95Ms ?? NaN;
    const load = (rate: number | undefined) =>
      rate ? `open loop at ${rate} requests/s` : `${opts.concurrency} closed-loop clients`;
    targets.push({
      name: 'show page WARM p95',
      load: load(opts.rate),
      limitMs: 20,
      actualMs: showWarm,
      met: showWarm < 20,
    });
    targets.push({
      name: 'show page COLD p95',
      load: load(opts.coldRate),
      limitMs: 100,
      actualMs: showCold,
      met: showCold < 100,
    });
    const { argv: _argv, ...options } = opts;
    const result: ReadBenchResult = {
      startedAt: startedAt.toISOString(),
      command: `npm run bench:read${opts.argv.length ? ` -- ${opts.argv.join(' ')}` : ''}`,
      machine: { ...machineInfo(), busyBeforePct },
      code,
      target: {
        url: stack.url,
        requestsTo: opts.direct ? "the workers' workerd directly" : 'the wrangler dev proxy',
        database: redact(opts.databaseUrl),
        dataset,
      },
      options,
      keys: {
        show: keys.show.length,
        artist: keys.artist.length,
        search: keys.search.length,
        trending: keys.trending.length,
        feed: keys.feed.length,
        feedUsers: keys.users.length,
      },
      notes,
      stackReloads: reloads,
      cold,
      warm,
      targets,
      probe,
      phasesS: { ...phases, total: (performance.now() - t0) / 1000 },
    };
    printReport(result);
    writeResult(resolve(opts.json ?? resolve(resultsDir, `read-${stamp}.json`)), result);
    return 0;
  } finally {
    if (tokens.length && stack) await logout(stack.url, tokens).catch(() => {});
    if (!opts.url) await stack?.stop();
  }
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

let options: ReadBenchOptions;
try {
  options = parseOptions(process.argv.slice(2));
} catch (err) {
  console.error(
    err instanceof UsageError || (err instanceof TypeError && 'code' in err)
      ? `${(err as Error).message}\n\n${USAGE}`
      : err,
  );
  process.exit(2);
}
runMain('bench:read', () => main(options));
