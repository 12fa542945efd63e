/**
 * `npm run fuzz`: drives every operation of /v1/openapi.json with inputs drawn from its schemas, valid and
 * hostile (fast-check, scripts/fuzz/arbitrary.ts), plus random and invalid frames on the live room's
 * WebSocket, against a stack it starts itself (scripts/dev.ts, throwaway data, ports 8830-8832 and inspector
 * 9330 unless told otherwise). Checks: no status ≥ 500, no stack trace or SQL text in any body, every error in
 * the `{ error: { code, message } }` shape, and the stack healthy afterwards (/health, a normal vote).
 *
 *   npm run fuzz                       # full: 100,000 requests
 *   npm run fuzz -- --short            # CI: 6,000 requests, at most 2 minutes of HTTP
 *   npm run fuzz -- --requests 20000 --seed 7 --concurrency 16 --base http://127.0.0.1:8787
 *
 * Exits 1 on any violation. The seed is printed: the same seed draws the same inputs.
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import WebSocket from 'ws';
import { z } from 'zod';
import { ClientMessage } from '#shared/schemas/room';
import { draw, hostileString, hostileValue, type Schema, SchemaArbitraries } from './arbitrary';
import { startStack } from './stack';

const { values: args } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    requests: { type: 'string' },
    seed: { type: 'string' },
    concurrency: { type: 'string', default: '12' },
    base: { type: 'string' },
    port: { type: 'string', default: '8830' },
    'relay-port': { type: 'string', default: '8831' },
    'inspector-port': { type: 'string', default: '9330' },
    'ws-frames': { type: 'string' },
    minutes: { type: 'string' },
  },
});
const TOTAL = Number(args.requests ?? (args.short ? 6_000 : 100_000));
const WS_FRAMES = Number(args['ws-frames'] ?? (args.short ? 600 : 10_000));
const SEED = Number(args.seed ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = Number(args.concurrency);
/** A bound on the HTTP phase's duration: the run stops sending then, and reports what it sent. */
const MINUTES = Number(args.minutes ?? (args.short ? 2 : 120));
const REQUEST_TIMEOUT_MS = 20_000;

type Operation = {
  method: string;
  path: string;
  params: { name: string; in: string; required?: boolean; schema: Schema }[];
  body?: Schema;
  secured: boolean;
};
type Violation = { kind: string; route: string; status: number; request: string; body: string };

const ACCOUNTS = {
  fan: { email: 'demo@mysetlist.dev', password: 'demo-password-123' },
  moderator: { email: 'moderator@mysetlist.dev', password: 'moderator-password-123' },
  admin: { email: 'admin@mysetlist.dev', password: 'admin-password-123' },
} as const;
type Role = keyof typeof ACCOUNTS;

/** Text that must never reach a client: a stack frame, a driver's or Postgres' own words. */
const LEAKS: [string, RegExp][] = [
  ['stack trace', /\bat [\w.<>$]+ \(?[^\s()]+:\d+:\d+\)?|\n\s+at\s/],
  [
    'sql text',
    /Failed query:|syntax error at or near|SQLSTATE|violates (unique|foreign key|check|not-null) constraint|relation "[^"]+"|invalid input syntax for|NeonDbError|\bselect\b[^"]{0,200}\bfrom\b[^"]{0,200}\bwhere\b/i,
  ],
];

async function main() {
  const stack = args.base
    ? undefined
    : await startStack({
        port: Number(args.port),
        relayPort: Number(args['relay-port']),
        inspectorPort: Number(args['inspector-port']),
      });
  const base = args.base ?? stack!.base;
  console.log(
    `fuzz: ${TOTAL} requests, ${WS_FRAMES} WebSocket frames, seed ${SEED}, concurrency ${CONCURRENCY}, ${base}`,
  );
  let failed = true;
  const interrupted = () => {
    void stack?.stop().then(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    failed = await run(base);
  } finally {
    await stack?.stop();
  }
  process.exit(failed ? 1 : 0);
}

async function run(base: string): Promise<boolean> {
  const started = Date.now();
  const doc = (await (await fetch(`${base}/v1/openapi.json`)).json()) as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: Operation['params'];
          requestBody?: { content?: Record<string, { schema: Schema }> };
          security?: unknown[];
        }
      >
    >;
    components: { schemas: Record<string, Schema> };
  };
  const arbs = new SchemaArbitraries(doc.components.schemas);
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      operations.push({
        method: method.toUpperCase(),
        path,
        // Parameters may be declared on the path item (shared by its operations) or on the operation.
        params: [...((item as { parameters?: Operation['params'] }).parameters ?? []), ...(op.parameters ?? [])],
        body: op.requestBody?.content?.['application/json']?.schema,
        secured: Boolean(op.security?.length),
      });
    }
  }
  const tokens = new Map<Role, string>();
  const lastLogin = new Map<Role, number>();
  // A token the run itself revoked (log-out, log-out everywhere) is replaced, once per role and 5 s at most:
  // not one log-in per 401, which would turn the run into a password-hashing benchmark.
  const relogin = (role: Role) => {
    if (Date.now() - (lastLogin.get(role) ?? 0) < 5000) return;
    lastLogin.set(role, Date.now());
    void login(role);
  };
  const login = async (role: Role) => {
    const res = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ACCOUNTS[role]),
    });
    if (res.ok) tokens.set(role, ((await res.json()) as { token: string }).token);
  };
  await Promise.all((Object.keys(ACCOUNTS) as Role[]).map(login));
  const known = await knownIds(base);

  const counts = new Map<string, Record<string, number>>();
  const violations: Violation[] = [];
  const violationCounts = new Map<string, number>();
  const note = (v: Violation) => {
    violationCounts.set(v.kind, (violationCounts.get(v.kind) ?? 0) + 1);
    if (violations.length < 50) {
      violations.push(v);
      if (violations.length <= 10) console.log(`  violation [${v.kind}] ${v.request}\n      → ${v.status} ${v.body}`);
    }
  };
  const pathFor = (op: Operation, seed: number) => {
    let path = op.path;
    for (const p of op.params.filter((p) => p.in === 'path')) {
      const pick = seed % 10;
      // The entity a parameter names: by its name (showId, artistId), else by the path's first segment.
      const name = `${p.name} ${p.name.toLowerCase().startsWith('id') ? op.path.split('/')[1] : ''}`.toLowerCase();
      const real = name.includes('show')
        ? known.shows
        : name.includes('artist')
          ? known.artists
          : name.includes('venue')
            ? known.venues
            : [];
      const wantsUuid = arbs.resolve(p.schema).format === 'uuid';
      const candidates = wantsUuid ? real.filter((v) => /^[0-9a-f-]{36}$/.test(v)) : real;
      const value =
        pick < 4 && candidates.length
          ? candidates[Math.floor(seed / 10) % candidates.length]
          : pick < 7
            ? draw(arbs.valid(p.schema), seed)
            : draw(hostileString, seed);
      path = path.replace(`{${p.name}}`, encodeSegment(String(value)));
    }
    // A parameter the document did not declare (it should): a generated id, so the URL is still a request.
    return path.replace(/\{[^}]+\}/g, () => draw(fc.uuid(), seed));
  };
  const queryFor = (op: Operation, seed: number, hostile: boolean) => {
    const search = new URLSearchParams();
    for (const p of op.params.filter((p) => p.in === 'query')) {
      if (!p.required && (seed >> 3) % 3 === 0) continue;
      const value =
        hostile && (seed >> 5) % 2 === 0 ? draw(hostileValue, seed + 1) : draw(arbs.valid(p.schema), seed + 1);
      search.set(p.name, typeof value === 'string' ? value : JSON.stringify(value));
    }
    return search.size ? `?${search}` : '';
  };

  const routeOf = (op: Operation) => `${op.method} ${op.path}`;
  let sent = 0;
  const oneRequest = async (i: number) => {
    const seed = SEED + i;
    const op = operations[i % operations.length]!;
    const hostile = seed % 2 === 0;
    const url = `${base}${op.path === '/health' ? '' : '/v1'}${pathFor(op, seed)}${queryFor(op, seed, hostile)}`;
    const headers: Record<string, string> = {};
    const roleRoll = (seed >> 7) % 10;
    const role: Role | undefined =
      roleRoll < 3 ? undefined : roleRoll < 6 ? 'fan' : roleRoll < 7 ? 'moderator' : 'admin';
    if (role && tokens.get(role)) headers.Authorization = `Bearer ${tokens.get(role)}`;
    let body: string | undefined;
    if (op.body || (hostile && op.method !== 'GET')) {
      const shape = (seed >> 9) % 12;
      if (shape === 0) body = '{"unterminated": ';
      else if (shape === 1) body = 'not json at all \u0000';
      else if (shape === 2) body = JSON.stringify(draw(hostileValue, seed + 2));
      else body = JSON.stringify(op.body ? draw(hostile ? arbs.mutated(op.body) : arbs.valid(op.body), seed + 2) : {});
      headers['content-type'] = shape === 3 && hostile ? 'text/plain' : 'application/json';
    }
    let status = 0;
    let text = '';
    try {
      const res = await fetch(url, {
        method: op.method,
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      status = res.status;
      text = await res.text();
      if (status === 401 && role) relogin(role);
    } catch (err) {
      // No answer at all (or none within REQUEST_TIMEOUT_MS) is as bad as a 5xx.
      status = 599;
      text = String(err);
    }
    sent++;
    const route = routeOf(op);
    const row = counts.get(route) ?? {};
    const cls = `${Math.floor(status / 100)}xx`;
    row[cls] = (row[cls] ?? 0) + 1;
    counts.set(route, row);
    const request = `${op.method} ${url.slice(base.length, base.length + 300)}${body ? ` body=${body.slice(0, 200)}` : ''}`;
    if (status >= 500) note({ kind: `status ${status}`, route, status, request, body: text.slice(0, 300) });
    for (const [kind, pattern] of LEAKS)
      if (pattern.test(text) && !op.path.startsWith('/openapi'))
        note({ kind, route, status, request, body: text.slice(0, 300) });
    if (status >= 400) {
      let shaped = false;
      try {
        const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
        shaped = typeof parsed.error?.code === 'string' && typeof parsed.error.message === 'string';
      } catch {
        // not JSON
      }
      if (!shaped) note({ kind: 'error shape', route, status, request, body: text.slice(0, 300) });
    }
  };

  let next = 0;
  let lastReport = Date.now();
  const stopAt = started + MINUTES * 60_000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < TOTAL && Date.now() < stopAt) {
        await oneRequest(next++);
        if (Date.now() - lastReport > 10_000) {
          lastReport = Date.now();
          console.log(
            `  ${sent} requests, ${((sent / (Date.now() - started)) * 1000).toFixed(0)}/s, violations ${[...violationCounts.values()].reduce((a, b) => a + b, 0)}`,
          );
        }
      }
    }),
  );
  const httpSeconds = (Date.now() - started) / 1000;

  const ws = await fuzzWebSocket(base, known.shows, tokens.get('fan'), note);
  const health = await checkHealth(base, known.shows);

  // Summary
  const classes = ['2xx', '3xx', '4xx', '5xx'];
  const lines: string[][] = [['route', ...classes, 'total']];
  const totals: Record<string, number> = {};
  for (const [route, row] of [...counts.entries()].sort()) {
    const total = Object.values(row).reduce((a, b) => a + b, 0);
    for (const c of classes) totals[c] = (totals[c] ?? 0) + (row[c] ?? 0);
    lines.push([route, ...classes.map((c) => String(row[c] ?? 0)), String(total)]);
  }
  lines.push(['ALL', ...classes.map((c) => String(totals[c] ?? 0)), String(sent)]);
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  console.log('');
  for (const l of lines)
    console.log(l.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  console.log('');
  console.log(
    `HTTP: ${sent} requests over ${operations.length} operations in ${httpSeconds.toFixed(0)} s (${(sent / httpSeconds).toFixed(0)}/s), seed ${SEED}`,
  );
  console.log(
    `WebSocket: ${ws.frames} frames on ${ws.sockets} sockets, ${ws.replies} replies, closes ${JSON.stringify(ws.closes)}`,
  );
  console.log(`After the run: /health ${health.health}, a normal vote ${health.vote}`);
  const violationTotal = [...violationCounts.values()].reduce((a, b) => a + b, 0);
  console.log(
    `Violations: ${violationTotal}${violationTotal ? ` ${JSON.stringify(Object.fromEntries(violationCounts))}` : ''}`,
  );
  for (const v of violations.slice(0, 20)) console.log(`  [${v.kind}] ${v.request}\n      → ${v.status} ${v.body}`);
  const healthy = health.health === 200 && (health.vote === 200 || health.vote === 201);
  if (!healthy) console.log('FAIL: the stack is not healthy after the run');
  const ok = violationTotal === 0 && healthy;
  console.log(ok ? 'PASS' : 'FAIL');
  return !ok;
}

/** A path segment, percent-encoded as UTF-8 (a lone surrogate becomes U+FFFD, as a browser would send it). */
function encodeSegment(text: string): string {
  return encodeURIComponent(
    text.replace(/[\uD800-\uDFFF]/g, (ch, i: number, all: string) => {
      const code = ch.charCodeAt(0);
      const pairedAfter = code < 0xdc00 && /[\uDC00-\uDFFF]/.test(all[i + 1] ?? '');
      const pairedBefore = code >= 0xdc00 && /[\uD800-\uDBFF]/.test(all[i - 1] ?? '');
      return pairedAfter || pairedBefore ? ch : '\uFFFD';
    }),
  );
}

/** Ids and slugs that exist, so that path parameters reach past the 404 now and then. */
async function knownIds(base: string) {
  const get = async (path: string) =>
    ((await (await fetch(`${base}/v1${path}`)).json()) as { items: { id: string; slug?: string }[] }).items;
  const shows = await get('/shows?limit=50&status=upcoming');
  const artists = await get('/artists?limit=50');
  const venues = await get('/venues?limit=50');
  return {
    shows: shows.flatMap((s) => [s.id, s.slug ?? s.id]),
    artists: artists.flatMap((a) => [a.id, a.slug ?? a.id]),
    venues: venues.flatMap((v) => [v.id, v.slug ?? v.id]),
  };
}

/** Random and invalid frames on the live room, signed in and anonymous. */
async function fuzzWebSocket(base: string, shows: string[], token: string | undefined, note: (v: Violation) => void) {
  const jsonSchema = z.toJSONSchema(ClientMessage, { unrepresentable: 'any' }) as Schema;
  const arbs = new SchemaArbitraries({});
  const frames = fc.oneof(
    arbs.valid(jsonSchema).map((m) => JSON.stringify(m)),
    arbs.mutated(jsonSchema).map((m) => JSON.stringify(m)),
    hostileString,
    fc.constantFrom(
      '{',
      '[]',
      'null',
      '{"type":"resume","since":1e300}',
      '{"type":"vote"}',
      '\u0000',
      JSON.stringify({ type: 'x'.repeat(5000) }),
    ),
    fc.uint8Array({ maxLength: 64 }),
  );
  const result = { frames: 0, sockets: 0, replies: 0, closes: {} as Record<string, number> };
  const perSocket = 100;
  const uuidShows = shows.filter((s) => /^[0-9a-f-]{36}$/.test(s));
  for (let s = 0; result.frames < WS_FRAMES; s++) {
    const show = uuidShows[s % uuidShows.length];
    const url = `${base.replace('http', 'ws')}/v1/shows/${show}/live`;
    const socket = new WebSocket(url, { headers: s % 2 === 0 && token ? { Authorization: `Bearer ${token}` } : {} });
    result.sockets++;
    const closed = new Promise<void>((resolve) => {
      socket.on('message', (data) => {
        result.replies++;
        const text = String(data);
        for (const [kind, pattern] of LEAKS)
          if (pattern.test(text))
            note({ kind: `ws ${kind}`, route: 'WS live', status: 0, request: url, body: text.slice(0, 300) });
      });
      socket.on('close', (code) => {
        result.closes[code] = (result.closes[code] ?? 0) + 1;
        if (code === 1011) note({ kind: 'ws close 1011', route: 'WS live', status: 1011, request: url, body: '' });
        resolve();
      });
      socket.on('error', () => resolve());
      socket.on('unexpected-response', (_req, res) => {
        if ((res.statusCode ?? 0) >= 500)
          note({
            kind: `ws upgrade ${res.statusCode}`,
            route: 'WS live',
            status: res.statusCode ?? 0,
            request: url,
            body: '',
          });
        resolve();
      });
    });
    const opened = await Promise.race([
      new Promise<boolean>((r) => socket.once('open', () => r(true))),
      closed.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(false), 10_000)),
    ]);
    if (!opened && socket.readyState === WebSocket.CONNECTING) {
      note({ kind: 'ws upgrade without answer', route: 'WS live', status: 0, request: url, body: '' });
      socket.terminate();
    }
    if (opened) {
      for (const frame of fc.sample(frames, { numRuns: perSocket, seed: SEED + s })) {
        if (socket.readyState !== WebSocket.OPEN) break;
        socket.send(frame);
        result.frames++;
      }
      await new Promise((r) => setTimeout(r, 200));
      socket.close(1000);
    } else result.frames += perSocket / 10; // a refused upgrade still counts towards the bound, so the loop ends
    await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
  }
  return result;
}

/** /health, and a normal vote by a fresh fan on an upcoming show with open voting. */
async function checkHealth(base: string, shows: string[]) {
  const health = (await fetch(`${base}/health`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })).status;
  let vote = 0;
  const email = `fuzz-after-${Date.now()}@example.test`;
  const signup = await fetch(`${base}/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'fuzz after the run 1', displayName: 'Fuzz' }),
  });
  if (!signup.ok) return { health, vote: signup.status };
  const { token } = (await signup.json()) as { token: string };
  const auth = { Authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  for (const show of shows.filter((s) => /^[0-9a-f-]{36}$/.test(s))) {
    const setlist = await (await fetch(`${base}/v1/shows/${show}/setlist`)).text();
    const id = /"setlistSongId":"([0-9a-f-]{36})"/.exec(setlist)?.[1];
    if (!id) continue;
    const res = await fetch(`${base}/v1/shows/${show}/votes`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ setlistSongId: id, voteId: crypto.randomUUID() }),
    });
    vote = res.status;
    if (res.ok) break;
  }
  return { health, vote };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
