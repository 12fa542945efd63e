/**
 * `--profile`: a V8 CPU profile of one worker's isolate during the drive, taken over workerd's own
 * inspector (the Chrome DevTools protocol). wrangler's inspector port only exposes the first worker (the
 * api), but the workerd that runs the workers listens on an internal inspector whose `/json` lists every
 * isolate (`core:user:<worker name>`), so the room's isolate can be sampled directly.
 *
 * The summary attributes samples to functions by *self* time: the time a function ran its own code,
 * including native calls it made (a `ws.send` shows as `send`, named with its caller), excluding the functions
 * it called. Sampling costs the isolate a little CPU; compare runs taken with the same flag.
 *
 * V8 takes a sample only while the isolate is entered (libsampler's `SamplerManager::DoSample` skips an isolate
 * that is not in use). workerd enters an isolate only to run its JavaScript, so while the api waits for
 * Postgres, or the thread runs another worker's isolate or the runtime's own code, there is no sample, and the
 * profile's next time delta spans the whole gap. This summary used to give that gap to the sample before it
 * (issue #16's `send`): whatever ran last before the isolate was left, such as the Neon driver's `ws.send` of a
 * query, then "took" the database round trip. Here a sample lasts at most `GAP_INTERVALS` sampling intervals;
 * the rest is reported as time outside the isolate, not as anyone's.
 */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import WebSocket from 'ws';
import { settleWithin } from '#shared/settle-within';
import { listeningPorts, type ProcInfo } from '../lib/procs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  target: string;
  /** Wall time covered by the profile. */
  durationMs: number;
  samples: number;
  /** Share of the wall time in which the isolate ran something (sampled, not "(idle)"). */
  busyPct: number;
  /** Wall time without samples beyond `GAP_INTERVALS` intervals: the isolate was not entered (see above). */
  outsideMs: number;
  /** Top functions by self time, as a share of the profile's wall time; `samples` is how many samples it had. */
  top: { fn: string; selfMs: number; selfPct: number; samples: number }[];
  file: string;
}

/**
 * How many sampling intervals one sample may stand for. Above the interval because the sampler thread is late
 * when the machine is busy (median deltas of 1.4–4.8 intervals in the api's profiles on this 2-core machine);
 * far below the gaps of an isolate that was left (tens of milliseconds: a database round trip).
 */
export const GAP_INTERVALS = 4;

/** Finds the inspector target of the worker named `worker` among the workerd processes' listening ports. */
async function findTarget(procs: ProcInfo[], worker: string): Promise<{ url: string; id: string } | undefined> {
  for (const p of procs.filter((x) => x.role === 'workerd (workers)')) {
    for (const port of listeningPorts(p.pid)) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/json`, { signal: AbortSignal.timeout(2000) });
        if (!res.ok) continue;
        const targets = (await res.json()) as { id?: string; webSocketDebuggerUrl?: string }[];
        if (!Array.isArray(targets)) continue;
        const t = targets.find((x) => x.id === `core:user:${worker}`);
        if (t?.webSocketDebuggerUrl) return { url: t.webSocketDebuggerUrl, id: t.id! };
      } catch {
        // not the inspector port
      }
    }
  }
  return undefined;
}

export class IsolateProfiler {
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    readonly target: string,
    private readonly ws: WebSocket,
  ) {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (msg.id === undefined) return; // events
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      if (msg.error) p.reject(new Error(msg.error.message));
      else p.resolve(msg.result);
    });
  }

  static async attach(procs: ProcInfo[], worker: string): Promise<IsolateProfiler | undefined> {
    const target = await findTarget(procs, worker);
    return target ? IsolateProfiler.connect(target.url, target.id) : undefined;
  }

  /** Over a DevTools WebSocket URL, e.g. wrangler's own inspector (`ws://127.0.0.1:<inspector port>/ws`). */
  static async connect(url: string, id: string): Promise<IsolateProfiler> {
    const target = { url, id };
    const ws = new WebSocket(target.url);
    await settleWithin(
      new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      }),
      INSPECTOR_TIMEOUT_MS,
      `inspector: connecting to ${target.url}`,
    ).catch((err: unknown) => {
      ws.terminate();
      throw err;
    });
    return new IsolateProfiler(target.id, ws);
  }

  #call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.#nextId++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return settleWithin(
      new Promise<T>((resolve, reject) => {
        this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      }),
      INSPECTOR_TIMEOUT_MS,
      `inspector: ${method}`,
    );
  }

  #intervalUs = 500;

  /** Starts sampling every `intervalUs` microseconds. */
  async start(intervalUs = 500): Promise<void> {
    this.#intervalUs = intervalUs;
    await this.#call('Profiler.enable');
    await this.#call('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.#call('Profiler.start');
  }

  /** Stops sampling, writes the raw profile (open it in Chrome DevTools) and summarises it. */
  async stop(file: string, topN = 15): Promise<ProfileSummary> {
    const { profile } = await this.#call<{ profile: CpuProfile }>('Profiler.stop');
    this.ws.close();
    writeFileSync(file, JSON.stringify(profile));
    return summarise(profile, { target: this.target, file, topN, intervalUs: this.#intervalUs });
  }
}

/** The inspector answers in milliseconds; a profiler that hangs must not hang the bench with it. */
const INSPECTOR_TIMEOUT_MS = 15_000;

/** Self time per function, with a gap in the samples counted as time outside the isolate (see above). */
export function summarise(
  profile: CpuProfile,
  { target, file, topN, intervalUs }: { target: string; file: string; topN: number; intervalUs: number },
): ProfileSummary {
  const durationMs = (profile.endTime - profile.startTime) / 1000;
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
  const maxUs = GAP_INTERVALS * intervalUs;
  // Self time per node from the sample timeline: each sample lasts until the next one, at most maxUs.
  const selfUs = new Map<number, number>();
  const hits = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i]!;
    const dt = Math.min(deltas[i + 1] ?? 0, maxUs);
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
    hits.set(id, (hits.get(id) ?? 0) + 1);
  }
  const byFn = new Map<string, { us: number; samples: number }>();
  let idleUs = 0;
  let sampledUs = 0;
  for (const [id, us] of selfUs) {
    const f = byNode.get(id)?.callFrame;
    if (!f) continue;
    sampledUs += us;
    if (f.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const key = frameName(byNode, parentOf, id);
    const entry = byFn.get(key) ?? { us: 0, samples: 0 };
    entry.us += us;
    entry.samples += hits.get(id) ?? 0;
    byFn.set(key, entry);
  }
  const totalUs = durationMs * 1000 || 1;
  const top = [...byFn.entries()]
    .sort((a, b) => b[1].us - a[1].us)
    .slice(0, topN)
    .map(([fn, { us, samples: n }]) => ({ fn, selfMs: us / 1000, selfPct: (100 * us) / totalUs, samples: n }));
  return {
    target,
    durationMs,
    samples: samples.length,
    busyPct: (100 * (sampledUs - idleUs)) / totalUs,
    outsideMs: Math.max(0, totalUs - sampledUs) / 1000,
    top,
    file,
  };
}

/**
 * `name file:line`; a native function (no script: `send`, `fetch`, `Response`) is named with its caller, since
 * one name covers different calls (`send` is both a WebSocket's and a queue's).
 */
function frameName(byNode: Map<number, ProfileNode>, parentOf: Map<number, number>, id: number): string {
  const at = (nodeId: number | undefined): string => {
    const f = nodeId === undefined ? undefined : byNode.get(nodeId)?.callFrame;
    if (!f) return '(root)';
    const where = f.url ? ` ${basename(f.url)}:${f.lineNumber + 1}` : '';
    return `${f.functionName || '(anonymous)'}${where}`;
  };
  const f = byNode.get(id)!.callFrame;
  if (f.url || f.functionName.startsWith('(')) return at(id);
  return `${at(id)} ← ${at(parentOf.get(id))}`;
}
