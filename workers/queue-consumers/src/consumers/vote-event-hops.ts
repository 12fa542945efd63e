import type { VoteEvent } from '#shared/schemas/events';
import { newSpanId, parseTraceparent } from '#shared/trace/context';
import { hop, type TraceHop } from '#shared/trace/spans';

export interface DeliveredVoteEvent {
  event: VoteEvent;
  /** When the outbox handed the message to the queue (the message's timestamp). */
  enqueuedAt: number;
  attempts: number;
}

/**
 * The hops of the sampled events of one applied batch, all derived here from what the event and the message
 * carry, so the room writes nothing extra on its hot path: the room's decision (its span, from the event's
 * `traceparent`), the outbox until the queue took the message, the queue until this consumer got it, and the
 * Postgres transaction that applied the batch.
 */
export function voteEventHops(
  delivered: DeliveredVoteEvent[],
  queue: string,
  receivedAt: number,
  statement: { startedAt: number; durationMs: number; fingerprint: string; batchSize: number },
): TraceHop[] {
  const hops: TraceHop[] = [];
  for (const { event, enqueuedAt, attempts } of delivered) {
    const room = parseTraceparent(event.traceparent);
    if (!room?.sampled) continue;
    const decidedAt = Date.parse(event.at);
    const traceId = room.traceId;
    const outbox = newSpanId();
    const delivery = newSpanId();
    hops.push(
      hop({
        traceId,
        spanId: room.spanId,
        parentSpanId: event.parentSpanId ?? null,
        service: 'realtime',
        name: `room.${event.kind}`,
        startedAt: decidedAt,
        durationMs: 0,
        attrs: { showId: event.showId, seq: event.seq, eventId: event.eventId },
      }),
      hop({
        traceId,
        spanId: outbox,
        parentSpanId: room.spanId,
        service: 'realtime',
        name: `outbox → ${queue}`,
        startedAt: decidedAt,
        durationMs: enqueuedAt - decidedAt,
      }),
      hop({
        traceId,
        spanId: delivery,
        parentSpanId: outbox,
        service: 'queue-consumers',
        name: `queue ${queue}`,
        startedAt: enqueuedAt,
        durationMs: receivedAt - enqueuedAt,
        attrs: { attempts },
      }),
      hop({
        traceId,
        spanId: newSpanId(),
        parentSpanId: delivery,
        service: 'queue-consumers',
        name: 'postgres apply vote batch',
        startedAt: statement.startedAt,
        durationMs: statement.durationMs,
        attrs: { fingerprint: statement.fingerprint, batchSize: statement.batchSize },
      }),
    );
  }
  return hops;
}
