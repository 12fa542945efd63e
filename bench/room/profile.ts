/**
 * `--profile`: a V8 CPU profile of one worker's isolate during the drive, taken over workerd's own
 * inspector (the Chrome DevTools protocol). wrangler's inspector port only exposes the first worker (the
 * api), but the workerd that runs the workers listens on an internal inspector whose `/json` lists every
 * isolate (`core:user:<worker name>`), so the room's isolate can be sampled directly.
 *
 * The summary attributes samples to functions by *self* time: the time a function ran its own code,
 * including native calls it made (a `ws.send` shows as `send`), excluding the functions it called.
 * Sampling costs the isolate a little CPU; compare runs taken with the same flag.
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

interface CpuProfile {
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
  /** Share of the samples in which the isolate ran something (not "(idle)"). */
  busyPct: number;
  /** Top functions by self time, as a share of the profile's wall time. */
  top: { fn: string; selfMs: number; selfPct: number }[];
  file: string;
}

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

  /** Starts sampling every `intervalUs` microseconds. */
  async start(intervalUs = 500): Promise<void> {
    await this.#call('Profiler.enable');
    await this.#call('Profiler.setSamplingInterval', { interval: intervalUs });
    await this.#call('Profiler.start');
  }

  /** Stops sampling, writes the raw profile (open it in Chrome DevTools) and summarises it. */
  async stop(file: string, topN = 15): Promise<ProfileSummary> {
    const { profile } = await this.#call<{ profile: CpuProfile }>('Profiler.stop');
    this.ws.close();
    writeFileSync(file, JSON.stringify(profile));
    return summarise(profile, this.target, file, topN);
  }
}

/** The inspector answers in milliseconds; a profiler that hangs must not hang the bench with it. */
const INSPECTOR_TIMEOUT_MS = 15_000;

function summarise(profile: CpuProfile, target: string, file: string, topN: number): ProfileSummary {
  const durationMs = (profile.endTime - profile.startTime) / 1000;
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  // Self time per node from the sample timeline (each sample lasts until the next one).
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const dt = deltas[i + 1] ?? 0;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + dt);
  }
  const byFn = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const f = byNode.get(id)?.callFrame;
    if (!f) continue;
    if (f.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const where = f.url ? ` ${basename(f.url)}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'}${where}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
  }
  const totalUs = durationMs * 1000 || 1;
  const top = [...byFn.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([fn, us]) => ({ fn, selfMs: us / 1000, selfPct: (100 * us) / totalUs }));
  return { target, durationMs, samples: samples.length, busyPct: 100 - (100 * idleUs) / totalUs, top, file };
}
