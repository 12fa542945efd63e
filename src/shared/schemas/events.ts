/**
 * Queue event schemas. Versioned with `v` so a consumer can accept old messages still in flight
 * during a deploy; producers always write the newest version.
 */
import { z } from 'zod';
import { IsoDateTime } from './common';

const EventBase = z.object({
  v: z.literal(1),
  /** Unique per event: dedupe key for consumers. */
  eventId: z.uuid(),
  showId: z.uuid(),
  /** The room's event sequence for this show: strictly increasing, so newer state always wins. */
  seq: z.number().int().min(1),
  at: IsoDateTime,
  /** The W3C trace id of the vote (32 hex digits; a request id in events written before traces existed). */
  traceId: z.string().max(100).optional(),
  /**
   * The room's hop of the trace as a W3C `traceparent` (its span id, the sampling flag): the consumer's hops are
   * its children, and its hops are recorded when the flag says sampled (docs/operations.md#traces).
   */
  traceparent: z
    .string()
    .regex(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/)
    .optional(),
  /** The span that asked the room (the api's RPC call, or the client's span for a WebSocket message). */
  parentSpanId: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .optional(),
});

/** The trace fields the room stamps on the events of one decision. */
export type EventTrace = Pick<z.infer<typeof EventBase>, 'traceId' | 'traceparent' | 'parentSpanId'>;

/**
 * The privacy-preserving id of the voter's network (keyed hash of the /24 or /48 prefix; see
 * workers/api/src/analytics/network-id.ts), for the anomaly rules. Optional: absent in events written before it
 * existed and when the worker has no key.
 */
const NetworkId = z.string().regex(/^[0-9a-f]{16}$/);

/** Which vote, by whom, for which entry of the predicted setlist (and its catalogue song). */
const VoteFields = { voteId: z.uuid(), userId: z.uuid(), setlistSongId: z.uuid(), songId: z.uuid() };

export const VoteCast = EventBase.extend({ kind: z.literal('vote'), ...VoteFields, networkId: NetworkId.optional() });
export const VoteRetracted = EventBase.extend({ kind: z.literal('unvote'), ...VoteFields });
export const SongAdded = EventBase.extend({
  kind: z.literal('song_added'),
  setlistSongId: z.uuid(),
  songId: z.uuid(),
  userId: z.uuid().nullable(),
});

/**
 * The `traceId` of events a room writes to bring Postgres back to what it holds (a reconciliation repair): they
 * re-state a vote, a retraction or a setlist entry that was already reported, so analytics does not count them.
 */
export const REPAIR_TRACE_ID = 'room-reconcile';

export const VoteEvent = z.discriminatedUnion('kind', [VoteCast, VoteRetracted, SongAdded]);
export type VoteEvent = z.infer<typeof VoteEvent>;

function jsonOrAsIs(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body; // fails the schema below, with a clear issue
  }
}

/**
 * A vote event as a queue message body. The room sends the JSON text its outbox already holds
 * (`contentType: 'text'`): parsing it only to have `sendBatch` serialise it again cost the room's thread
 * about 5 % at 1,000 votes/s (bench:room --profile). Bodies sent as objects (`'json'`: dead-letter
 * replays, rooms from before) are accepted as well.
 */
export const VoteEventMessage = z.preprocess(jsonOrAsIs, VoteEvent);

export const NotificationEvent = z.object({
  v: z.literal(1),
  eventId: z.uuid(),
  kind: z.string().min(1).max(64),
  userIds: z.array(z.uuid()).max(1000),
  data: z.record(z.string(), z.unknown()),
});
export type NotificationEvent = z.infer<typeof NotificationEvent>;

export const AnalyticsEvent = z.object({
  v: z.literal(1),
  eventId: z.uuid(),
  kind: z.string().min(1).max(64),
  at: IsoDateTime,
  userId: z.uuid().nullable().optional(),
  showId: z.uuid().nullable().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type AnalyticsEvent = z.infer<typeof AnalyticsEvent>;
