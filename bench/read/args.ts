/** Command-line options of `npm run bench:read`. */
import { parseArgs } from 'node:util';

export const STACK_PORT = 8793;
// Below 32768, outside Linux's ephemeral ports (bench/room/args.ts).
export const STACK_RELAY_PORT = 30393;
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/mysetlist_scale';

export const ENDPOINTS = ['show', 'artist', 'search', 'trending', 'feed'] as const;
export type EndpointName = (typeof ENDPOINTS)[number];

export interface ReadBenchOptions {
  /** Base URL of a running stack; undefined: the bench starts (and stops) its own against --database-url. */
  url: string | undefined;
  /** host:port of that stack's Neon relay, for the where-does-the-time-go probe (optional with --url). */
  relay: string | undefined;
  /** The database the stack serves: keys are picked from it, and the probe queries it directly. */
  databaseUrl: string;
  concurrency: number;
  /** Open loop: requests/s of the WARM phase (sent on schedule, latency from the due time); undefined: closed loop. */
  rate: number | undefined;
  /** Open loop: requests/s of the COLD phase (default: `rate`); undefined: closed loop. */
  coldRate: number | undefined;
  /** Seconds of the WARM phase (the COLD phase is one pass over the distinct keys, however long it takes). */
  durationS: number;
  /** Distinct keys (URLs) in all, split between the endpoints by the mix. */
  keys: number;
  /** Share of requests per endpoint (normalised). */
  mix: Record<EndpointName, number>;
  /** Signed-in users for the feed (each has its own 1,000/min budget). */
  users: number;
  /** Synthetic client addresses (198.18.0.0/15) the anonymous requests are spread over. */
  ips: number;
  /** Send requests to the workers' workerd directly, bypassing wrangler's dev proxy (a dev-only hop). */
  direct: boolean;
  /** Run a stack the bench starts from a snapshot copy of the working tree (default; see stack.ts). */
  isolate: boolean;
  /** Run a stack the bench starts from this commit (git archive) instead of the working tree. */
  ref: string | undefined;
  /** LOG_LEVEL of a stack the bench starts: `info` writes the access log the worker times come from. */
  logLevel: string;
  /** RESPONSE_CACHE_FRESH_SECONDS of a stack the bench starts. */
  freshS: number;
  /** Wait up to this many seconds for the machine to be idle (< 30 % of one core busy) before measuring. */
  waitIdleS: number;
  /** Iterations of each path of the latency probe (0: skip it). */
  probe: number;
  json: string | undefined;
  argv: string[];
}

const USAGE = `usage: npm run bench:read -- [--url URL [--relay HOST:PORT]] [--database-url URL] [--concurrency 32 | --rate R [--cold-rate R]]
                             [--duration 20] [--keys 2000] [--mix show=40,artist=20,search=20,trending=10,feed=10]
                             [--users 20] [--ips 1024] [--direct] [--no-isolate | --ref REF] [--fresh 600] [--log-level info] [--wait-idle S]
                             [--probe 200] [--json FILE]
  --url URL            target a running stack; default: start one on :${STACK_PORT} (scripts/dev.ts against
                       --database-url, data in .data/bench-read, wiped first so every cache starts empty)
  --relay HOST:PORT    that stack's Neon relay, for the latency probe through it (skipped without it)
  --database-url URL   the seeded database (default ${DEFAULT_DATABASE_URL}); see scripts/seed (--scale 50 --artists 10000)
  --concurrency N      concurrent clients, each with one request in flight (default 32): a closed loop
  --rate R             open loop instead: R requests/s on schedule, however many are in flight, latency
                       measured from each request's due time (no coordinated omission); WARM and COLD
  --cold-rate R        the COLD phase's rate, when it should differ from --rate (COLD lasts keys ÷ rate)
  --duration S         seconds of the WARM phase (default 20): the same URLs again, popular ones more often
                       (Zipf); COLD is one pass over the distinct URLs, each requested once
  --keys N             distinct URLs in all, split by the mix (default 2000)
  --mix                request shares per endpoint (default show=40,artist=20,search=20,trending=10,feed=10)
  --users N            signed-in users for /v1/me/feed (default 20)
  --ips N              synthetic CF-Connecting-IP addresses for anonymous requests (default 1024)
  --direct             requests go to the workers' workerd, bypassing wrangler's dev proxy
  --no-isolate         run the stack from the working tree instead of a snapshot copy
  --ref REF            run the stack from a commit (e.g. HEAD) instead of the working tree
  --fresh S            RESPONSE_CACHE_FRESH_SECONDS of the stack the bench starts (default 600, so that WARM
                       measures answers from the cache however long COLD took; production is 15)
  --log-level L        LOG_LEVEL of the stack the bench starts (default info: one access-log line per request,
                       which gives the worker's own time; warn measures without that dev log plumbing)
  --wait-idle S        first wait up to S seconds for the machine to be idle (< 30 % of a core busy)
  --probe N            iterations per path of the where-does-the-time-go probe (default 200; 0 skips it)
  --json FILE          where to write the JSON (default bench/results/read-<timestamp>.json)`;

export class UsageError extends Error {}

function positive(name: string, raw: string | undefined, fallback: number, allowZero = false): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0))
    throw new UsageError(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${raw}`);
  return n;
}

export function parseMix(raw: string): Record<EndpointName, number> {
  const mix = Object.fromEntries(ENDPOINTS.map((e) => [e, 0])) as Record<EndpointName, number>;
  for (const part of raw.split(',')) {
    const [name, value] = part.split('=');
    if (!name || !(ENDPOINTS as readonly string[]).includes(name.trim()))
      throw new UsageError(`--mix: unknown endpoint ${name}; known: ${ENDPOINTS.join(', ')}`);
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`--mix: ${name} needs a non-negative share, got ${value}`);
    mix[name.trim() as EndpointName] = n;
  }
  const total = Object.values(mix).reduce((a, b) => a + b, 0);
  if (total <= 0) throw new UsageError('--mix: all shares are 0');
  for (const e of ENDPOINTS) mix[e] /= total;
  return mix;
}

export function parseOptions(argv: string[]): ReadBenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      relay: { type: 'string' },
      'database-url': { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      'cold-rate': { type: 'string' },
      duration: { type: 'string' },
      keys: { type: 'string' },
      mix: { type: 'string' },
      users: { type: 'string' },
      ips: { type: 'string' },
      direct: { type: 'boolean', default: false },
      'no-isolate': { type: 'boolean', default: false },
      ref: { type: 'string' },
      'wait-idle': { type: 'string' },
      fresh: { type: 'string' },
      'log-level': { type: 'string' },
      probe: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const ips = Math.trunc(positive('ips', values.ips, 1024));
  if (values['cold-rate'] !== undefined && values.rate === undefined) throw new UsageError('--cold-rate needs --rate');
  if (values.rate !== undefined && values.concurrency !== undefined)
    throw new UsageError('--rate (open loop) and --concurrency (closed loop) exclude each other');
  if (ips > 131_072) throw new UsageError('--ips: 198.18.0.0/15 holds 131,072 addresses');
  return {
    url: values.url?.replace(/\/+$/, ''),
    relay: values.relay,
    databaseUrl: values['database-url'] ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    concurrency: Math.trunc(positive('concurrency', values.concurrency, 32)),
    rate: values.rate === undefined ? undefined : positive('rate', values.rate, 0),
    coldRate:
      (values['cold-rate'] ?? values.rate) ? positive('cold-rate', values['cold-rate'] ?? values.rate, 0) : undefined,
    durationS: positive('duration', values.duration, 20),
    keys: Math.trunc(positive('keys', values.keys, 2000)),
    mix: parseMix(values.mix ?? 'show=40,artist=20,search=20,trending=10,feed=10'),
    users: Math.trunc(positive('users', values.users, 20)),
    ips,
    direct: values.direct,
    isolate: !values['no-isolate'],
    ref: values.ref,
    logLevel: values['log-level'] ?? 'info',
    freshS: positive('fresh', values.fresh, 600, true),
    waitIdleS: positive('wait-idle', values['wait-idle'], 0, true),
    probe: Math.trunc(positive('probe', values.probe, 200, true)),
    json: values.json,
    argv,
  };
}

export { USAGE };
