/**
 * What reached Postgres: wait for the vote-events queue to drain into it, then count round trips, rows
 * and the figures the consistency check compares.
 */
import { statementKey } from '../../scripts/local-db/http-sql';
import { ENSURE_VOTERS } from '../../workers/queue-consumers/src/consumers/vote-events-sql';
import type { BenchDb, RelayStats } from './db';

export interface PostgresFigures {
  drained: boolean;
  /** From the end of the vote drive until Postgres held every acked vote (the queue's lag). */
  drainMs: number;
  /** Relay counters since the reset before the drive, minus the bench's own requests. */
  workerSqlRequests: number;
  wsFrames: number;
  wsConnections: number;
  roundTrips: number;
  rowsWritten: number;
  activeVotes: number;
  sumVoteCount: number;
  votesPerRoundTrip: number;
  /**
   * Round trips of vote persistence alone: the vote-events consumer's batch transactions (told apart by their
   * first statement). The rest of `roundTrips` is work votes cause elsewhere, chiefly the notification fan-out
   * of vote milestones. Undefined when the stack's relay does not count by statement.
   */
  voteBatchRoundTrips: number | undefined;
  votesPerVoteBatch: number;
  /** The most frequent first statements of the workers' `/sql` requests (includes the bench's own few). */
  topStatements: { statement: string; requests: number }[];
}

const ACTIVE_VOTES = `select count(*) as n from votes v join setlist_songs s on s.id = v.setlist_song_id where s.show_id = $1 and v.active`;

/** `expected()` is re-read on every poll: acks still arriving (late) raise it. */
export async function collectPostgresFigures(
  db: BenchDb,
  showId: string,
  expected: () => { acksOk: number; unanswered: number },
  timeoutS: number,
): Promise<PostgresFigures> {
  const start = performance.now();
  let active = 0;
  let drained = false;
  while (performance.now() - start < timeoutS * 1000) {
    const [row] = await db.query<{ n: string }>(ACTIVE_VOTES, [showId]);
    active = Number(row?.n);
    const e = expected();
    if (active >= e.acksOk && e.unanswered === 0) {
      drained = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const drainMs = performance.now() - start;
  // Let a batch still in flight (e.g. a retried duplicate) land, then read the counters and the rows
  // together, so that votes per round trip compares the same moment (the queue may still be working).
  await new Promise((r) => setTimeout(r, 1500));
  const stats: RelayStats = await db.relayStats();
  const workerSqlRequests = stats.sqlRequests - db.ownRequests;
  const [rows] = await db.query<{ written: string; active: string; sum: string }>(
    `select (select count(*) from votes where show_id = $1) as written,
            (${ACTIVE_VOTES}) as active,
            (select coalesce(sum(vote_count), 0) from setlist_songs where show_id = $1) as sum`,
    [showId],
  );
  const roundTrips = workerSqlRequests + stats.wsFrames;
  const voteBatchRoundTrips = stats.byStatement ? (stats.byStatement[statementKey(ENSURE_VOTERS)] ?? 0) : undefined;
  const rowsWritten = Number(rows?.written);
  return {
    drained,
    drainMs,
    workerSqlRequests,
    wsFrames: stats.wsFrames,
    wsConnections: stats.wsConnections,
    roundTrips,
    rowsWritten,
    activeVotes: Number(rows?.active),
    sumVoteCount: Number(rows?.sum),
    votesPerRoundTrip: roundTrips ? rowsWritten / roundTrips : NaN,
    voteBatchRoundTrips,
    votesPerVoteBatch: voteBatchRoundTrips ? rowsWritten / voteBatchRoundTrips : NaN,
    topStatements: Object.entries(stats.byStatement ?? {})
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([statement, requests]) => ({ statement, requests })),
  };
}
