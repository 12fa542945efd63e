/**
 * The load, over a list of requests (one endpoint and URL each): the COLD phase walks the list once (each URL's
 * first request); the WARM phase picks from it for its duration. Per endpoint: a latency histogram, status
 * codes, and how the response cache answered (X-Cache). Two ways to send:
 *
 * - closed loop (default): `concurrency` clients, each with one request in flight; latency is request sent →
 *   body read. A slow server slows the clients down, so at saturation latency ≈ clients ÷ throughput.
 * - open loop (`rate`): request n is due at start + n / rate, whatever is still in flight, and its latency is
 *   measured from that due time, not from when it was actually sent: a server (or harness) that falls behind
 *   cannot hide the queueing it causes (no coordinated omission). How late requests left is reported too.
 *
 * Anonymous requests carry a synthetic client address from 198.18.0.0/15 (RFC 2544 benchmarking space) in
 * CF-Connecting-IP, which is what the gateway's rate limit keys on: the traffic still goes to 127.0.0.1, but
 * it is spread over many clients as in production, and no client exceeds the 1,000 requests/min limit.
 */
import { Histogram, type HistogramSummary, type RequestFigures, requestFigures } from '../room/histogram';
import type { EndpointName } from './args';

export interface RequestSpec {
  endpoint: EndpointName;
  path: string;
  /** Index of the signed-in user (feed); undefined: anonymous. */
  user?: number;
}

export interface EndpointFigures extends RequestFigures {
  statuses: Record<string, number>;
  /** X-Cache of the answers (HIT…, e.g. HIT-L1 / HIT-L2, MISS, STALE), or `none` (not cacheable: signed in, no-store). */
  cache: Record<string, number>;
  /** Latency of the answers served from the response cache, and of the others. */
  hitLatency: HistogramSummary;
  missLatency: HistogramSummary;
}

export interface PhaseFigures {
  name: string;
  /** Open loop: the requests/s asked for; undefined: closed loop. */
  rate: number | undefined;
  /** Open loop: how late requests were sent after their due time (the harness falling behind), and the most in flight at once. */
  sendLag: HistogramSummary | undefined;
  maxInFlight: number | undefined;
  wallS: number;
  requests: number;
  perS: number;
  errors: number;
  endpoints: Partial<Record<EndpointName, EndpointFigures>>;
  all: HistogramSummary;
}

/** Per request, for joining with the worker's access log (its durationMs) by request id. */
export interface RequestSample {
  endpoint: EndpointName;
  phase: string;
  ms: number;
  cache: string;
  status: number;
}

/** Any X-Cache saying the answer came from a cache layer: HIT, HIT-L1, HIT-L2, … */
export const isHit = (xCache: string | null) => xCache !== null && /^HIT/i.test(xCache);

export function syntheticIp(i: number): string {
  // 198.18.0.0/15: 198.18.0.0 – 198.19.255.255. Spread the first addresses over the range.
  const n = (Math.imul(i, 2_654_435_761) >>> 0) % 131_072;
  return `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

class EndpointStats {
  readonly all = new Histogram();
  readonly hit = new Histogram();
  readonly miss = new Histogram();
  readonly statuses: Record<string, number> = {};
  readonly cache: Record<string, number> = {};

  record(ms: number, status: number, cache: string): void {
    this.all.record(ms);
    (isHit(cache) ? this.hit : this.miss).record(ms);
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    this.cache[cache] = (this.cache[cache] ?? 0) + 1;
  }
}

export interface LoadTarget {
  baseUrl: string;
  concurrency: number;
  /** Open loop at this many requests/s (see the top of the file); undefined: `concurrency` closed-loop clients. */
  rate?: number | undefined;
  ips: number;
  tokens: string[];
  /** Called with every finished request. */
  onSample?: (id: string, sample: RequestSample) => void;
}

/**
 * `pick(seq)` gives the seq-th request of the phase (undefined: the phase is over); with `durationS`, the phase
 * also ends when that time is up.
 */
export async function runPhase(
  name: string,
  pick: (seq: number) => RequestSpec | undefined,
  target: LoadTarget,
  durationS: number | undefined,
  log: (line: string) => void,
): Promise<PhaseFigures> {
  const stats = new Map<EndpointName, EndpointStats>();
  const all = new Histogram();
  let next = 0;
  let errors = 0;
  let done = 0;
  const started = performance.now();
  const deadline = durationS === undefined ? Infinity : started + durationS * 1000;
  // Request ids are unique across phases (the access log is joined on them): rb-c-12, rb-w-12.
  const tag = name.toLowerCase().slice(0, 1);
  let lastLog = started;

  /** Sends request `seq`; its latency counts from `due` (open loop) or from when it is sent (closed loop). */
  const send = async (seq: number, spec: RequestSpec, due: number | undefined) => {
    const id = `rb-${tag}-${seq}`;
    const ipIndex = (seq + (tag === 'w' ? 7_919 : 0)) % target.ips;
    const headers: Record<string, string> = { 'X-Request-Id': id, 'CF-Connecting-IP': syntheticIp(ipIndex) };
    if (spec.user !== undefined) headers.Authorization = `Bearer ${target.tokens[spec.user]}`;
    const t0 = due ?? performance.now();
    let status = 0;
    let cache = 'none';
    try {
      const res = await fetch(`${target.baseUrl}${spec.path}`, { headers, signal: AbortSignal.timeout(30_000) });
      await res.arrayBuffer();
      status = res.status;
      cache = res.headers.get('X-Cache') ?? 'none';
    } catch {
      status = 0;
    }
    const ms = performance.now() - t0;
    if (status !== 200) errors++;
    let s = stats.get(spec.endpoint);
    if (!s) stats.set(spec.endpoint, (s = new EndpointStats()));
    s.record(ms, status, cache);
    all.record(ms);
    done++;
    target.onSample?.(id, { endpoint: spec.endpoint, phase: name, ms, cache, status });
    if (performance.now() - lastLog > 5000) {
      lastLog = performance.now();
      log(`${name}: ${done} requests (${((done / (lastLog - started)) * 1000).toFixed(0)}/s), ${errors} not 200`);
    }
  };

  const client = async () => {
    for (;;) {
      if (performance.now() >= deadline) return;
      const seq = next++;
      const spec = pick(seq);
      if (!spec) return;
      await send(seq, spec, undefined);
    }
  };

  const sendLag = new Histogram();
  let maxInFlight = 0;
  const openLoop = async (rate: number) => {
    const pending = new Set<Promise<void>>();
    for (let seq = 0; ; seq++) {
      const due = started + (seq * 1000) / rate;
      if (due >= deadline) break;
      const spec = pick(seq);
      if (!spec) break;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      sendLag.record(Math.max(0, performance.now() - due));
      const request = send(seq, spec, due).finally(() => pending.delete(request));
      pending.add(request);
      maxInFlight = Math.max(maxInFlight, pending.size);
    }
    await Promise.all(pending);
  };

  if (target.rate) await openLoop(target.rate);
  else await Promise.all(Array.from({ length: target.concurrency }, client));
  const wallS = (performance.now() - started) / 1000;
  const endpoints: PhaseFigures['endpoints'] = {};
  for (const [endpoint, s] of stats) {
    endpoints[endpoint] = {
      ...requestFigures(s.all, wallS),
      statuses: s.statuses,
      cache: s.cache,
      hitLatency: s.hit.summary(),
      missLatency: s.miss.summary(),
    };
  }
  const open = target.rate !== undefined;
  return {
    name,
    rate: target.rate,
    sendLag: open ? sendLag.summary() : undefined,
    maxInFlight: open ? maxInFlight : undefined,
    wallS,
    requests: done,
    perS: done / wallS,
    errors,
    endpoints,
    all: all.summary(),
  };
}

/**
 * WARM traffic: each request picks its endpoint by the mix, then a URL of that endpoint with Zipf-like
 * popularity (weight 1/rank, rank = position in the endpoint's key list, most popular first): the busiest
 * show pages are asked for again and again, the long tail now and then, as real traffic does.
 */
export function zipfPicker(
  byEndpoint: Map<EndpointName, RequestSpec[]>,
  mix: Record<EndpointName, number>,
  random: () => number,
): () => RequestSpec {
  const endpoints = [...byEndpoint.keys()].filter((e) => (byEndpoint.get(e)?.length ?? 0) > 0 && mix[e] > 0);
  const mixTotal = endpoints.reduce((a, e) => a + mix[e], 0);
  const cumulative = new Map<EndpointName, Float64Array>();
  for (const e of endpoints) {
    const n = byEndpoint.get(e)!.length;
    const c = new Float64Array(n);
    let sum = 0;
    for (let i = 0; i < n; i++) c[i] = sum += 1 / (i + 1);
    cumulative.set(e, c);
  }
  return () => {
    let r = random() * mixTotal;
    let endpoint = endpoints[endpoints.length - 1]!;
    for (const e of endpoints) {
      if ((r -= mix[e]) < 0) {
        endpoint = e;
        break;
      }
    }
    const c = cumulative.get(endpoint)!;
    const target = random() * c[c.length - 1]!;
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return byEndpoint.get(endpoint)![lo]!;
  };
}

/** Interleaves the endpoints' URLs at random (seeded) so the requests in flight follow the mix. */
export function shuffled<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
