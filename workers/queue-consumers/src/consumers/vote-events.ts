import type { NeonQueryFunction } from '@neondatabase/serverless';
import { sqlFingerprint } from '#shared/db/fingerprint';
import { fanoutMessage } from '#shared/notifications/enqueue';
import { VOTE_MILESTONES } from '#shared/notifications/policy';
import { type AnalyticsEvent, REPAIR_TRACE_ID, type VoteEvent, VoteEventMessage } from '#shared/schemas/events';
import type { NotificationTrigger } from '#shared/schemas/notifications';
import { parseTraceparent, runWithTrace } from '#shared/trace/context';
import type { TraceHop } from '#shared/trace/spans';
import { INSERT_EVENTS, insertEventsParams } from './analytics';
import { writeDataPoints } from './analytics-engine';
import { type ConsumerDeps, isTransient, retryRejected } from './retry-policy';
import { type DeliveredVoteEvent, voteEventHops } from './vote-event-hops';
import { planVoteBatch } from './vote-events-plan';
import {
  ENSURE_VOTERS,
  RECORD_VOTE_MILESTONES,
  RECOUNT_SETLIST_SONGS,
  UPSERT_SETLIST_SONGS,
  UPSERT_VOTES,
} from './vote-events-sql';

type Sql = NeonQueryFunction<false, false>;

/**
 * The analytics events derived from the vote stream (kinds `vote` and `unvote`): the rooms do not send votes
 * to the analytics queue a second time. Same event id as the room event, so a redelivery adds nothing.
 */
export function voteAnalyticsEvents(events: VoteEvent[]): AnalyticsEvent[] {
  const derived: AnalyticsEvent[] = [];
  for (const e of events) {
    if (e.kind !== 'vote' && e.kind !== 'unvote') continue;
    // A room's repair (workers/realtime/src/room/reconcile.ts) re-states a vote it already reported.
    if (e.traceId === REPAIR_TRACE_ID) continue;
    const data: Record<string, unknown> = {
      voteId: e.voteId,
      setlistSongId: e.setlistSongId,
      songId: e.songId,
      seq: e.seq,
    };
    if (e.kind === 'vote' && e.networkId) data.networkId = e.networkId;
    derived.push({ v: 1, eventId: e.eventId, kind: e.kind, at: e.at, userId: e.userId, showId: e.showId, data });
  }
  return derived;
}

export interface ReachedMilestone {
  id: string;
  subject: NotificationTrigger;
}

/** What one applied batch produced for the analytics sinks and for notifications. */
export interface AppliedVoteBatch {
  derived: AnalyticsEvent[];
  /** The vote milestones this batch reached first (each is returned by exactly one batch). */
  milestones: ReachedMilestone[];
}

/**
 * Persists the votes of a batch in one transaction, one round trip, and nothing else: this is the step an
 * acknowledged vote depends on, so no other write may share it. Safe to repeat: see vote-events-sql.ts.
 */
export async function persistVotes(sql: Sql, events: VoteEvent[]): Promise<void> {
  if (!events.length) return;
  const plan = planVoteBatch(events);
  const s = plan.setlistSongs;
  const v = plan.votes;
  const voters = [...new Set(events.flatMap((e) => (e.userId ? [e.userId] : [])))];
  await sql.transaction([
    sql.query(ENSURE_VOTERS, [voters]),
    sql.query(UPSERT_SETLIST_SONGS, [s.id, s.showId, s.songId, s.addedBy, s.at]),
    sql.query(UPSERT_VOTES, [v.id, v.userId, v.setlistSongId, v.showId, v.active, v.seq, v.at]),
    sql.query(RECOUNT_SETLIST_SONGS, [plan.touchedSetlistSongIds]),
  ]);
}

/**
 * What follows from persisted votes: milestones reached and the derived analytics rows (idempotent on the event
 * id), in a second transaction after the votes. A failure here retries only this: the votes are already in.
 */
export async function applyVoteFollowUps(sql: Sql, events: VoteEvent[]): Promise<AppliedVoteBatch> {
  if (!events.length) return { derived: [], milestones: [] };
  const touched = [...new Set(events.map((e) => e.setlistSongId))].sort();
  const derived = voteAnalyticsEvents(events);
  const results = await sql.transaction([
    sql.query(RECORD_VOTE_MILESTONES, [touched, [...VOTE_MILESTONES]]),
    ...(derived.length ? [sql.query(INSERT_EVENTS, insertEventsParams(derived))] : []),
  ]);
  return { derived, milestones: (results[0] ?? []) as ReachedMilestone[] };
}

export interface VoteEventDeps extends ConsumerDeps {
  notifications: Queue;
  /** When the batch reached this consumer (ms epoch): the end of the queue's hop. */
  receivedAt?: number;
  /** Stores the hops of sampled traces (trace_hops, OTLP); absent: nothing is recorded. */
  recordHops?: (hops: TraceHop[]) => Promise<void>;
}

/** The fingerprint of the batch's transaction, as a slow-statement line would log it. */
const APPLY_FINGERPRINT = sqlFingerprint(
  [UPSERT_SETLIST_SONGS, UPSERT_VOTES, RECOUNT_SETLIST_SONGS, RECORD_VOTE_MILESTONES].join(';'),
);

/** Trace ids of a batch for its log lines (a batch holds up to 100 events of as many traces). */
const traceIdsOf = (events: VoteEvent[]) => [...new Set(events.flatMap((e) => (e.traceId ? [e.traceId] : [])))];

/** Records the hops of the sampled events just applied; tracing never fails the batch. */
async function recordBatchHops(
  deps: VoteEventDeps,
  queue: string,
  delivered: DeliveredVoteEvent[],
  statement: { startedAt: number; durationMs: number },
): Promise<void> {
  if (!deps.recordHops) return;
  const hops = voteEventHops(delivered, queue, deps.receivedAt ?? statement.startedAt, {
    ...statement,
    fingerprint: APPLY_FINGERPRINT,
    batchSize: delivered.length,
  });
  if (!hops.length) return;
  try {
    await deps.recordHops(hops);
  } catch (err) {
    deps.log.warn('trace hops not recorded', { err, traceIds: [...new Set(hops.map((h) => h.traceId))] });
  }
}

/**
 * Runs `fn` in the trace of the batch's first traced event, so a slow-statement line names a trace to look up
 * (a batch mixes up to 100 traces; its `vote events applied` line lists them all).
 */
function inTraceOf<T>(events: VoteEvent[], fn: () => Promise<T>): Promise<T> {
  const trace = parseTraceparent(events.find((e) => e.traceparent)?.traceparent);
  return trace ? runWithTrace(trace, fn) : fn();
}

const delivery = ({ message, event }: { message: Message<unknown>; event: VoteEvent }): DeliveredVoteEvent => ({
  event,
  enqueuedAt: message.timestamp.getTime(),
  attempts: message.attempts,
});

/**
 * Starts the fan-out of newly reached milestones. The votes are already committed, so a failure here must not
 * retry the batch: the triggers stay unmarked in notification_events and the notifications cron re-sends them.
 */
async function announceMilestones(deps: VoteEventDeps, milestones: ReachedMilestone[]): Promise<void> {
  if (!milestones.length) return;
  try {
    await deps.notifications.sendBatch(
      milestones.map((m) => ({ body: fanoutMessage(m.id, m.subject), contentType: 'json' as const })),
    );
    await deps.sql.query(`update notification_events set enqueued_at = now() where id = any($1::uuid[])`, [
      milestones.map((m) => m.id),
    ]);
  } catch (err) {
    deps.log.warn('vote milestones not enqueued; the notifications cron will re-send them', {
      err,
      count: milestones.length,
    });
  }
}

type Valid = { message: Message<unknown>; event: VoteEvent };

/**
 * The vote-events consumer. Votes first: the whole batch in one transaction; when that fails for a reason a
 * retry cannot fix, the batch is split message by message so that one poison message goes to the dead-letter
 * queue alone instead of taking its neighbours with it. Then, for the votes now in Postgres, milestones and
 * analytics: when those fail, only their messages are retried (re-applying the votes is a no-op), so a failure
 * there never holds a vote back.
 */
export async function consumeVoteEvents(
  batch: MessageBatch<unknown>,
  deps: VoteEventDeps,
  dataset?: AnalyticsEngineDataset,
): Promise<void> {
  const { log } = deps;
  const valid: Valid[] = [];
  for (const message of batch.messages) {
    const parsed = VoteEventMessage.safeParse(message.body);
    if (parsed.success) valid.push({ message, event: parsed.data });
    else retryRejected(message, 'vote event', parsed.error, deps);
  }
  const persisted = await persistOrIsolate(valid, deps, batch.queue);
  if (!persisted.length) return;
  const traceIds = traceIdsOf(persisted.map((v) => v.event));
  try {
    const applied = await applyVoteFollowUps(
      deps.sql,
      persisted.map((v) => v.event),
    );
    for (const { message } of persisted) message.ack();
    writeDataPointsSafely(dataset, applied.derived, log);
    await announceMilestones(deps, applied.milestones);
    log.info('vote events applied', { count: persisted.length, traceIds });
  } catch (err) {
    log.warn('votes persisted; milestones and analytics failed, retrying only those', {
      err,
      count: persisted.length,
      traceIds,
    });
    for (const { message } of persisted) message.retry({ delaySeconds: deps.retryDelaySeconds(message.attempts) });
  }
}

/**
 * Persists the votes of the batch; when Postgres refuses it for a reason a retry cannot fix, the batch is split in
 * halves, and each refused half again, until the poison messages stand alone: returns what is in. Each persisting
 * statement runs in its events' trace, and its hops (queue → consumer → Postgres) are recorded.
 *
 * Halving, not one message at a time: a batch of 100 with one poison costs about 15 transactions instead of 100.
 * Locally a queue delivers one batch at a time and PGlite took 0.3–1 s per transaction under the fault drill's load,
 * so one poisoned batch isolated message by message held every vote back for a minute (drill:faults "stall").
 */
async function persistOrIsolate(valid: Valid[], deps: VoteEventDeps, queue: string): Promise<Valid[]> {
  if (!valid.length) return [];
  const outcome = await tryPersist(valid, deps, queue);
  if (outcome === 'persisted') return valid;
  if (outcome === 'transient') {
    for (const { message } of valid) message.retry({ delaySeconds: deps.retryDelaySeconds(message.attempts) });
    return [];
  }
  deps.log.warn('vote batch rejected, isolating the poison messages', {
    count: valid.length,
    traceIds: traceIdsOf(valid.map((v) => v.event)),
  });
  return isolate(valid, deps, queue);
}

/** Halves a refused group until each refused part is one message (retried alone, then dead-lettered). */
async function isolate(refused: Valid[], deps: VoteEventDeps, queue: string): Promise<Valid[]> {
  if (refused.length === 1) {
    const { message, event } = refused[0]!;
    deps.log.error('vote event failed', {
      messageId: message.id,
      attempts: message.attempts,
      eventId: event.eventId,
      traceId: event.traceId,
    });
    message.retry({ delaySeconds: deps.retryDelaySeconds(message.attempts) });
    return [];
  }
  const middle = Math.ceil(refused.length / 2);
  const persisted: Valid[] = [];
  for (const half of [refused.slice(0, middle), refused.slice(middle)]) {
    const outcome = await tryPersist(half, deps, queue);
    if (outcome === 'persisted') persisted.push(...half);
    else if (outcome === 'transient')
      for (const { message } of half) message.retry({ delaySeconds: deps.retryDelaySeconds(message.attempts) });
    else persisted.push(...(await isolate(half, deps, queue)));
  }
  return persisted;
}

/** One transaction for these events: persisted, or refused for a reason a retry may fix (or not). */
async function tryPersist(
  items: Valid[],
  deps: VoteEventDeps,
  queue: string,
): Promise<'persisted' | 'transient' | 'refused'> {
  const events = items.map((v) => v.event);
  const traceIds = traceIdsOf(events);
  try {
    const startedAt = Date.now();
    await inTraceOf(events, () => persistVotes(deps.sql, events));
    const durationMs = Date.now() - startedAt;
    deps.log.info('votes persisted', { count: items.length, roundTrips: 1, durationMs, traceIds });
    await recordBatchHops(deps, queue, items.map(delivery), { startedAt, durationMs });
    return 'persisted';
  } catch (err) {
    if (isTransient(err)) {
      deps.log.warn('vote batch failed, will retry', { err, count: items.length, traceIds });
      return 'transient';
    }
    if (items.length === 1) deps.log.warn('vote event refused by postgres', { err, traceIds });
    return 'refused';
  }
}

function writeDataPointsSafely(
  dataset: AnalyticsEngineDataset | undefined,
  events: AnalyticsEvent[],
  log: ConsumerDeps['log'],
): void {
  try {
    writeDataPoints(dataset, events);
  } catch (err) {
    log.warn('analytics engine write failed', { err });
  }
}
