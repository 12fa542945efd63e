/**
 * `npx tsx bench/system/refusal-cpu.ts [--requests 20000] [--tree DIR]`
 *
 * The api worker's own JavaScript time per refused (429) request, without the runtime around it: the worker's
 * fetch (workers/api/src/index.ts: the app behind `withEarlyRefusal` when the tree has it, else the app alone)
 * runs in Node, V8 like workerd, with in-memory stand-ins for the bindings a refused request touches (the
 * limiter object answers "refused" once, then the isolate refuses on its own; the metrics queue drops what it
 * gets). Prints CPU per request (process.cpuUsage) after a warm-up. `--tree` measures another checkout (e.g. a
 * `git archive` of main) with the same harness. bench:system measures the whole stack; this isolates the part
 * the code decides.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    tree: { type: 'string', default: resolve(import.meta.dirname, '../..') },
  },
});
const requests = Number(values.requests);
const tree = resolve(values.tree);

// The Cache API of workerd, empty: the first request misses, asks the limiter and is refused.
const emptyCache = { match: async () => undefined, put: async () => {}, delete: async () => false };
(globalThis as unknown as { caches: unknown }).caches = { default: emptyCache, open: async () => emptyCache };

// The worker's types (Env, ExecutionContext) are not in this Node project: the stand-ins below are loose on purpose.
type Bindings = Record<string, unknown>;
type Ctx = { waitUntil(promise: Promise<unknown>): void };
type Handler = (request: Request, env: Bindings, ctx: Ctx) => Response | Promise<Response>;
const { createApp } = (await import(resolve(tree, 'workers/api/src/app.ts'))) as {
  createApp: () => { fetch: Handler };
};
let fetch: Handler = createApp().fetch;
let early = false;
try {
  const mod = (await import(resolve(tree, 'workers/api/src/rate-limit/early-refusal.ts'))) as {
    withEarlyRefusal: (f: Handler) => Handler;
  };
  fetch = mod.withEarlyRefusal(fetch);
  early = true;
} catch {
  // A tree from before early refusals: the app alone is the worker's fetch.
}

const limiter = {
  hit: async (limit: number, windowMs: number) => ({
    allowed: false,
    limit,
    remaining: 0,
    resetMs: windowMs - (Date.now() % windowMs),
  }),
  record: async (limit: number, windowMs: number) => ({
    allowed: false,
    limit,
    remaining: 0,
    resetMs: windowMs - (Date.now() % windowMs),
  }),
};
const env = {
  RATE_LIMIT_REQUESTS: '20',
  RATE_LIMIT_WINDOW_SECONDS: '3600',
  LOG_LEVEL: 'info',
  RATE_LIMITER: { idFromName: (name: string) => name, get: () => limiter },
  ANALYTICS: { send: async () => {} },
} as Bindings;
const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as Ctx;
const headers = { 'CF-Connecting-IP': '198.19.255.254' };
const send = () => fetch(new Request('http://127.0.0.1/v1/shows?limit=1', { headers }), env, ctx);

// The access log goes to the console as in workerd; counted, not printed.
let lines = 0;
const write = process.stdout.write.bind(process.stdout);
const quiet = () => {
  console.log = () => void lines++;
  console.info = console.log;
};
const loud = () => {
  console.log = (...args: unknown[]) => void write(`${args.join(' ')}\n`);
};

quiet();
const first = await send();
if (first.status !== 429) throw new Error(`expected 429, got ${first.status}`);
for (let i = 0; i < 2000; i++) await (await send()).text();
lines = 0;
const before = process.cpuUsage();
const started = performance.now();
for (let i = 0; i < requests; i++) {
  const res = await send();
  if (res.status !== 429) throw new Error(`expected 429, got ${res.status}`);
  await res.text();
}
const cpu = process.cpuUsage(before);
const wall = performance.now() - started;
loud();
console.log(
  `${tree} (${early ? 'with early refusal' : 'app only'}): ${requests} refused requests, ` +
    `CPU ${((cpu.user + cpu.system) / 1000 / requests).toFixed(3)} ms per request ` +
    `(wall ${(wall / requests).toFixed(3)} ms), ${lines} log lines`,
);
