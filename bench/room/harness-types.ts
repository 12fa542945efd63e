/** What the harness is given and what it measures (harness.ts). */
import type { HistogramSummary } from './histogram';

export interface HarnessTarget {
  name: string;
  wsUrl(token: string | undefined): string;
  voterTokens: string[];
}

export interface HarnessConfig {
  sockets: number;
  voters: number;
  rate: number;
  durationS: number;
  rampBatch: number;
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
  eventLoopDelay: { meanMs: number; p50Ms: number; p99Ms: number; maxMs: number };
  /** After the last ack: until every socket had seen every acked count (or the wait ran out). */
  settleMs: number;
  missingDeliveries: number;
  unclaimedCounts: number;
  jsonParses: number;
  /** Per song, the highest acked count: the room's counts as the harness knows them. */
  sumOfAckedCounts: number;
}
