/**
 * `npm run bench:room -- --model [FILE]`: a capacity model for one show of 50,000 fans watching live, from a
 * result JSON of this bench. Costs are read from what the run measured (per send, per vote, per tick, per
 * shard RPC when the shards ran on another thread than the room, `--split`); the rest is arithmetic on them, and every figure
 * says which it is. Thread time is the busiest workerd thread's on-CPU time (schedstat), so a cost is an
 * upper bound: the thread also ran whatever else shared it (queues, consumers, the dev runtime).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from '../lib/dev-stack';
import type { BenchResult, TargetRun } from './report';

export interface ModelInput {
  fans: number;
  votesPerS: number;
  tickMs: number;
  /** Sockets per shard to plan with. */
  shardCapacity: number;
  /** Share of one thread a shard or the room may use before it is called full. */
  headroom: number;
}

const DEFAULTS: ModelInput = { fans: 50_000, votesPerS: 1_000, tickMs: 50, shardCapacity: 1_000, headroom: 0.5 };
/** Cloudflare's guidance for one Durable Object: roughly 500–1,000 requests/s (docs, "limits"). */
const CF_OBJECT_REQUESTS_PER_S = 1_000;

export function newestResult(): string {
  const dir = resolve(ROOT, 'bench/results');
  const files = readdirSync(dir)
    .filter((f) => /^room-.*\.json$/.test(f))
    .sort();
  if (!files.length) throw new Error(`--model: no bench/results/room-*.json; run the bench first`);
  return resolve(dir, files.at(-1)!);
}

const WORKERS = 'workerd (workers)';
const ROOMS_WORKERS = "rooms' process: workerd (workers)";
const OLD_FANOUT_WORKERS = 'fan-out tier: workerd (workers)';

/** Busiest thread of the process doing the room's work (µs of CPU per second of wall time). */
function threadUsPerS(t: TargetRun, role: (r: string) => boolean): number | undefined {
  const p = t.cpu.processes.find((x) => role(x.role));
  return p?.topThread ? p.topThread.avgPct * 10_000 : undefined;
}

interface Costs {
  sendUs: number;
  sendFrom: string;
  voteUs: number | undefined;
  tickUs: number;
  rpcUs: number | undefined;
  rpcFrom: string;
}

function measuredCosts(r: BenchResult): Costs {
  const s = r.stack;
  const roomRole = (x: string) => x === WORKERS;
  // --split: the rooms have a process of their own and the shards share the api's (scripts/fanout-split.ts);
  // results from before that layout named the shards' process instead.
  const split = s.cpu.processes.some((x) => x.role === ROOMS_WORKERS);
  const roomUs = threadUsPerS(s, split ? (x) => x === ROOMS_WORKERS : roomRole) ?? NaN;
  const fanoutUs = threadUsPerS(s, split ? roomRole : (x) => x === OLD_FANOUT_WORKERS);
  const ticksPerS = s.drive.distinctUpdates / s.drive.durationS;
  // Per send: from the bare DO when it ran (it does almost nothing else), else the room's thread with
  // everything it did divided by its sends (an upper bound).
  const d = r.doBaseline;
  const doUs = d ? threadUsPerS(d, roomRole) : undefined;
  let sendUs: number;
  let sendFrom: string;
  if (fanoutUs !== undefined && s.drive.updatesPerS > 0) {
    sendUs = fanoutUs / s.drive.updatesPerS;
    sendFrom = split
      ? "measured: the shards' thread time (shared with the api's joins) / messages delivered (an upper bound)"
      : 'measured: fan-out tier thread time / messages delivered';
  } else if (d && doUs !== undefined && d.drive.updatesPerS > 0) {
    sendUs = doUs / d.drive.updatesPerS;
    sendFrom = 'measured: bare DO thread time / messages delivered (includes its votes: an upper bound)';
  } else {
    sendUs = roomUs / s.drive.updatesPerS;
    sendFrom = "measured: the room's thread time / messages delivered (includes its votes: an upper bound)";
  }
  // Per vote: what the room's thread spent beyond its sends, per accepted vote (when the room sends itself).
  const roomSends = fanoutUs === undefined ? s.drive.updatesPerS * sendUs : 0;
  const votesPerS = s.drive.acceptedPerS;
  const voteUs = votesPerS > 0 ? Math.max(0, roomUs - roomSends) / votesPerS : undefined;
  const tickUs = ticksPerS > 0 ? roomUs / ticksPerS : NaN;
  // Per shard RPC: only with the fan-out tier on another thread than the room (--split); what the room's thread spent beyond
  // its votes, per (tick × shard).
  let rpcUs: number | undefined;
  let rpcFrom = 'not measured (no --split run with --shards auto --shard-capacity): modelled as 3 sends';
  const cap = Number(r.shards?.shardCapacity) || 0;
  if (fanoutUs !== undefined && cap > 0 && ticksPerS > 0 && voteUs !== undefined) {
    const shards = Math.ceil(r.stack.connect.ok / cap);
    rpcUs = roomUs / (ticksPerS * shards);
    rpcFrom = `measured: room thread time / (ticks × ${shards} shards), votes included (upper bound)`;
  }
  return { sendUs, sendFrom, voteUs, tickUs, rpcUs, rpcFrom };
}

export function printModel(file: string, input: Partial<ModelInput> = {}): void {
  const r = JSON.parse(readFileSync(file, 'utf8')) as BenchResult;
  const m = { ...DEFAULTS, ...input };
  const c = measuredCosts(r);
  const f = (n: number | undefined, digits = 0) =>
    n === undefined || !Number.isFinite(n) ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: digits });
  const s = r.stack;
  const ticksPerS = 1000 / m.tickMs;
  const rpcUs = c.rpcUs ?? 3 * c.sendUs;
  const voteUs = c.voteUs ?? NaN;
  const shards = Math.ceil(m.fans / m.shardCapacity);
  const messagesPerS = m.fans * ticksPerS;
  const shardThread = (m.shardCapacity * ticksPerS * c.sendUs) / 1e6;
  const capAtHeadroom = Math.floor((m.headroom * 1e6) / (ticksPerS * c.sendUs));
  const roomPerTickUs = shards * rpcUs + (m.votesPerS / ticksPerS) * voteUs;
  const roomThread = roomPerTickUs / (m.tickMs * 1000);
  // Votes reach the room through the shards, batched adaptively (fanout/decision-batcher.ts: one call in flight per
  // shard), so about one call per shard per tick when a call takes a tick; one request per vote without batching.
  const roomRequestsBatched = shards * ticksPerS;
  const roomRequestsPerVote = m.votesPerS + shards * ticksPerS;
  const maxVotesPerS = ((m.headroom * m.tickMs * 1000 - shards * rpcUs) / voteUs) * ticksPerS;
  const pg = s.postgres.votesPerVoteBatch ?? s.postgres.votesPerRoundTrip;
  const singleObjectMax = Math.floor((m.headroom * 1e6) / (ticksPerS * c.sendUs));

  const lines = [
    `capacity model: ${f(m.fans)} fans watching one show live, ${f(m.votesPerS)} votes/s, tick ${m.tickMs} ms, ${f(m.shardCapacity)} sockets per shard, a thread called full at ${f(m.headroom * 100)} %`,
    `from: ${file}`,
    `      ${r.command} (${r.startedAt}; ${s.connect.ok} sockets, ${f(s.drive.acceptedPerS)} votes/s accepted, shards ${r.shards?.shards ?? 'off'}${r.shards?.split ? ', rooms in a process of their own (--split)' : ''})`,
    ...(s.drive.acceptedPerS < 500
      ? [
          `WARNING: only ${f(s.drive.acceptedPerS)} votes/s in this run: the thread's fixed costs (alarms, queues, the dev runtime) are spread over few votes, so the per-vote cost is too high; model from a loaded run (1,000 votes/s)`,
        ]
      : []),
    '',
    'costs on this machine (wrangler dev, one workerd thread per process)',
    `  per send (one update to one socket)   ${f(c.sendUs, 1)} µs   [${c.sendFrom}]`,
    `  per vote (decide, store, ack, outbox)  ${f(c.voteUs, 1)} µs   [measured: the workers' thread beyond its sends / votes accepted; locally that thread also runs the api and the queue consumers: an upper bound]`,
    `  per tick of the room, as run          ${f(c.tickUs / 1000, 1)} ms   [measured: room thread time / distinct updates]`,
    `  per shard RPC (room → shard, one per tick) ${f(rpcUs, 1)} µs   [${c.rpcFrom}]`,
    '',
    `one object, as today: it can send ~${f(singleObjectMax)} sockets × ${f(ticksPerS)} updates/s at ${f(m.headroom * 100)} % of its thread [modelled from the per-send cost]`,
    '',
    `with the fan-out tier, ${f(m.fans)} fans:`,
    `  shards needed                         ${f(shards)}   [modelled: fans / sockets per shard]`,
    `  messages to sockets per second        ${f(messagesPerS)}   [modelled: fans × ${f(ticksPerS)} updates/s when votes flow]`,
    `  each shard's thread                   ${f(shardThread * 100)} %   [modelled: ${f(m.shardCapacity)} × ${f(ticksPerS)} × per send]`,
    `  sockets per shard at ${f(m.headroom * 100)} % thread       ${f(capAtHeadroom)}   [modelled]`,
    `  room → shard RPCs per second          ${f(shards * ticksPerS)}   [modelled: shards × ticks/s]`,
    `  shard → room requests per second      ~${f(roomRequestsBatched)} with the shards' adaptive batches (one call in flight per shard), ${f(roomRequestsPerVote)} if each vote were its own request   [modelled]`,
    `  the room's thread per ${m.tickMs} ms tick       ${f(roomPerTickUs / 1000, 1)} ms = ${f(roomThread * 100)} %   [modelled: shards × per RPC + votes per tick × per vote]`,
    `  votes/s the room decides at ${f(m.headroom * 100)} %       ${f(maxVotesPerS)}   [modelled]`,
    `  Postgres round trips per second       ${f(m.votesPerS / pg, 1)}   [modelled from ${f(pg, 1)} votes per round trip, measured]`,
    '',
    'what breaks first:',
  ];
  const limits: [string, number][] = [
    ["the room's thread (votes + one RPC per shard per tick)", roomThread / m.headroom],
    [`each shard's thread at ${f(m.shardCapacity)} sockets`, shardThread / m.headroom],
    [
      `requests into the room, votes batched per shard (Cloudflare: ~${f(CF_OBJECT_REQUESTS_PER_S)}/s per object)`,
      roomRequestsBatched / CF_OBJECT_REQUESTS_PER_S,
    ],
  ];
  limits.sort((a, b) => b[1] - a[1]);
  for (const [name, load] of limits) lines.push(`  ${f(load * 100)} % of its limit: ${name}`);
  lines.push(
    '',
    'Measured figures come from one run on a shared 2-core machine under wrangler dev (a dev runtime, local',
    'fsync, loopback TCP, the harness on the same cores); production costs per send are lower and each object',
    'has its own thread. The per-RPC cost is measured only from an `auto` --split run with --shard-capacity, and',
    "then includes every vote the room's thread decided (an upper bound).",
  );
  console.log(lines.join('\n'));
}
