/** What the harness is given and what it measures (harness.ts, harness-thread.ts). */
import type { HistogramDump, HistogramSummary } from './histogram';
import type { SharedTrackerBuffers } from './latency';

export interface HarnessTarget {
  name: string;
  /** The room's WebSocket URL without the query; a voter's token is appended as `?token=`. */
  wsBase: string;
  voterTokens: string[];
  /** Tokens of the signed-in fans who join during the drive (`--join-rate`); reused round-robin. */
  joinTokens?: string[];
}

export interface HarnessConfig {
  sockets: number;
  voters: number;
  rate: number;
  durationS: number;
  rampBatch: number;
  /** Harness threads the sockets are spread over. */
  threads: number;
  /** Connect every socket within this many seconds without waiting for snapshots (a connect storm). */
  stormS: number | undefined;
  /** Fans joining per second during the drive, each signed in, voting `joinVotes` songs and leaving. */
  joinRate: number;
  joinVotes: number;
  log: (line: string) => void;
  /** Called when votes start, and when the drive's measurements end (CPU sampling window). */
  onDriveStart?: () => void;
  onDriveEnd?: () => void;
}

export interface ConnectResult {
  attempted: number;
  ok: number;
  failed: number;
  failures: Record<string, number>;
  /** Socket open → snapshot received. */
  snapshotMs: HistogramSummary;
  wallS: number;
  songs: number;
  /** 'batches of N' or 'storm over S s'. */
  mode: string;
  threads: number;
}

/** What is counted of the joining fans: per thread with histogram dumps `H`, merged with their summaries. */
interface JoinCounts<H> {
  fansJoined: number;
  connectFailures: Record<string, number>;
  snapshotMs: H;
  votesSent: number;
  acksOk: number;
  acksFailed: Record<string, number>;
  ackLatency: H;
}

/** The fans who joined during the drive (`--join-rate`). */
export interface JoinResult extends JoinCounts<HistogramSummary> {
  rate: number;
  votesPerFan: number;
  /** Distinct signed-in users the joining fans were drawn from. */
  users: number;
  fansPlanned: number;
  unanswered: number;
}

export interface DriveResult {
  targetRate: number;
  durationS: number;
  votesPlanned: number;
  votesSent: number;
  /** Votes not sent because the voter's socket was closed or it ran out of songs. */
  votesSkipped: number;
  acksOk: number;
  acksFailed: Record<string, number>;
  /** Votes sent that got no ack before the wait ran out. */
  unanswered: number;
  /** acksOk / (time of the last ok ack − first send). */
  acceptedPerS: number;
  lastAckAfterS: number;
  updatesDelivered: number;
  /** Distinct updates the room broadcast during the drive, and the songs each carried on average. */
  distinctUpdates: number;
  changesPerUpdate: number;
  /** Votes per broadcast: acks ok / distinct updates (coalescing at work: ≈ rate × tick). */
  votesPerUpdate: number;
  /** Update messages received by all sockets together during the nominal drive window, per second. */
  updatesPerS: number;
  /** …and per socket: 1000 / tick when the room flushes every tick. */
  updatesPerSocketPerS: number;
  seqGaps: number;
  unexpectedCloses: Record<string, number>;
  /** vote → first update showing it, at every other socket. */
  latency: HistogramSummary;
  /** vote → first arrival of its update at any socket (server side: decision + tick wait). */
  firstArrival: HistogramSummary;
  /** update's arrival at a socket − its first arrival at any socket (fan-out: server send loop + client reads). */
  broadcastSpread: HistogramSummary;
  /** vote → ack at the voter. */
  ackLatency: HistogramSummary;
  /** How late the harness sent votes versus the schedule (a client-side bottleneck shows here first). */
  sendLag: HistogramSummary;
  /** The worst harness thread's event-loop delay. */
  eventLoopDelay: { meanMs: number; p50Ms: number; p99Ms: number; maxMs: number };
  /** After the last ack: until every socket had seen every acked count (or the wait ran out). */
  settleMs: number;
  missingDeliveries: number;
  unclaimedCounts: number;
  jsonParses: number;
  /** Per song, the highest acked count: the room's counts as the harness knows them. */
  sumOfAckedCounts: number;
  /** Fans joining during the drive; undefined without `--join-rate`. */
  join: JoinResult | undefined;
}

// ------------------------------------------------------------------ between the pool and its threads

export interface ThreadInit {
  thread: number;
  threads: number;
  target: HarnessTarget;
  sockets: number;
  voters: number;
  songIds: string[];
  shared: SharedTrackerBuffers;
  /** Int32 per thread × COUNTERS: live ack counters the pool reads synchronously. */
  counters: SharedArrayBuffer;
}

/** Slots of each thread's live counters. */
export const COUNTER = {
  acksOk: 0,
  resolved: 1,
  votesSent: 2,
  resolvedAtDriveEnd: 3,
  joinAcksOk: 4,
  joinResolved: 5,
  joinSent: 6,
} as const;
export const COUNTERS = 8;

export interface ThreadConnectResult {
  ok: number;
  failures: Record<string, number>;
  snapshotMs: HistogramDump;
}

export interface ThreadDriveResult {
  votesSent: number;
  votesSkipped: number;
  acksOk: number;
  acksFailed: Record<string, number>;
  lastOkAckAt: number;
  updatesDelivered: number;
  updatesInWindow: number;
  distinctUpdates: number;
  changeEntries: number;
  seqGaps: number;
  closes: Record<string, number>;
  open: number;
  latency: HistogramDump;
  spread: HistogramDump;
  ackLatency: HistogramDump;
  sendLag: HistogramDump;
  eventLoopDelay: { meanMs: number; p50Ms: number; p99Ms: number; maxMs: number };
  missingDeliveries: number;
  unclaimed: number[];
  jsonParses: number;
  join: JoinCounts<HistogramDump>;
}

export type ThreadRequest =
  | { op: 'connect'; storm: { startAt: number; overMs: number } | undefined; batch: number }
  | {
      op: 'drive';
      startAt: number;
      rate: number;
      durationS: number;
      join: { rate: number; votes: number } | undefined;
    }
  | { op: 'awaitAcks'; deadline: number }
  | { op: 'settle'; deadline: number }
  | { op: 'report' }
  | { op: 'close' };
