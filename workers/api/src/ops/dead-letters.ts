/**
 * Dead letters (messages a queue consumer gave up on, kept in `dead_letters`) as operators list and replay them
 * (routes/dead-letters.ts, `npm run dlq:replay`).
 */
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { PrimaryDatabase } from '#shared/db/client';
import { deadLetters } from '#shared/db/schema';
import { QUEUES } from '#shared/queues';

/** The queues whose dead letters can be replayed: each goes back to the queue it came from. */
export const SOURCE_QUEUES = [QUEUES.voteEvents, QUEUES.notifications, QUEUES.analytics, QUEUES.imports] as const;
export type SourceQueue = (typeof SOURCE_QUEUES)[number];

/** At most this many are listed (replay takes its own limit). */
const LISTED = 200;
/** Queues take at most 100 messages per sendBatch. */
const BATCH = 100;

function producer(env: Env, queue: SourceQueue): Queue {
  const producers: Record<SourceQueue, Queue> = {
    [QUEUES.voteEvents]: env.VOTE_EVENTS,
    [QUEUES.notifications]: env.NOTIFICATIONS,
    [QUEUES.analytics]: env.ANALYTICS,
    [QUEUES.imports]: env.IMPORTS,
  };
  return producers[queue];
}

/** Dead letters not yet replayed, oldest first. */
export async function pendingDeadLetters(db: PrimaryDatabase) {
  const rows = await db
    .select()
    .from(deadLetters)
    .where(isNull(deadLetters.replayedAt))
    .orderBy(asc(deadLetters.receivedAt))
    .limit(LISTED);
  return rows.map((r) => ({
    id: r.id,
    queue: r.queue as SourceQueue,
    messageId: r.messageId,
    body: r.body,
    attempts: r.attempts,
    receivedAt: r.receivedAt.toISOString(),
  }));
}

/** Sends up to `limit` pending dead letters (of one queue, or all) back to their queue, oldest first. */
export async function replayDeadLetters(
  db: PrimaryDatabase,
  env: Env,
  { queue, limit }: { queue?: SourceQueue; limit: number },
): Promise<{ replayed: number; remaining: number }> {
  const pending = and(
    isNull(deadLetters.replayedAt),
    queue ? eq(deadLetters.queue, queue) : inArray(deadLetters.queue, [...SOURCE_QUEUES]),
  );
  const rows = await db.select().from(deadLetters).where(pending).orderBy(asc(deadLetters.receivedAt)).limit(limit);
  // Consumers are idempotent, so a crash between sending and marking only causes a harmless repeat.
  for (const source of SOURCE_QUEUES) {
    const batch = rows.filter((r) => r.queue === source);
    for (let i = 0; i < batch.length; i += BATCH) {
      const chunk = batch.slice(i, i + BATCH);
      await producer(env, source).sendBatch(chunk.map((r) => ({ body: r.body, contentType: 'json' as const })));
      await db
        .update(deadLetters)
        .set({ replayedAt: new Date() })
        .where(
          inArray(
            deadLetters.id,
            chunk.map((r) => r.id),
          ),
        );
    }
  }
  return { replayed: rows.length, remaining: await db.$count(deadLetters, pending) };
}
