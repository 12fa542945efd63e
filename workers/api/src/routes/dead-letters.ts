import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { deadLetters } from '#shared/db/schema';
import { QUEUES } from '#shared/queues';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { errorResponses, json, SIGNED_IN } from '../http/openapi';
import { requireRole } from '../middleware/session/require-role';

const SOURCE_QUEUES = [QUEUES.voteEvents, QUEUES.notifications, QUEUES.analytics, QUEUES.imports] as const;
type SourceQueue = (typeof SOURCE_QUEUES)[number];

const DeadLetter = z
  .object({
    id: z.uuid(),
    queue: z.enum(SOURCE_QUEUES),
    messageId: z.string(),
    body: z.unknown(),
    attempts: z.number().int(),
    receivedAt: z.string(),
  })
  .meta({ id: 'DeadLetter' });
const DeadLetterList = z.object({ items: z.array(DeadLetter) }).meta({ id: 'DeadLetterList' });
const ReplayBody = z
  .object({ queue: z.enum(SOURCE_QUEUES).optional(), limit: z.number().int().min(1).max(1000).default(500) })
  .meta({ id: 'ReplayBody' });
const ReplayResult = z.object({ replayed: z.number().int(), remaining: z.number().int() }).meta({ id: 'ReplayResult' });

function producer(env: Env, queue: SourceQueue): Queue {
  const producers: Record<SourceQueue, Queue> = {
    [QUEUES.voteEvents]: env.VOTE_EVENTS,
    [QUEUES.notifications]: env.NOTIFICATIONS,
    [QUEUES.analytics]: env.ANALYTICS,
    [QUEUES.imports]: env.IMPORTS,
  };
  return producers[queue];
}

/** Operators' view of dead letters, and the replay behind `npm run dlq:replay`. Admins only. */
export const deadLetterRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/admin/dead-letters',
      tags: ['Operations'],
      summary: 'Dead letters not yet replayed',
      middleware: [requireRole('admin')] as const,
      security: SIGNED_IN,
      responses: {
        200: { description: 'Pending dead letters, oldest first.', ...json(DeadLetterList) },
        ...errorResponses(401, 403),
      },
    }),
    async (c) => {
      const rows = await c.var.database.db.$primary
        .select()
        .from(deadLetters)
        .where(isNull(deadLetters.replayedAt))
        .orderBy(asc(deadLetters.receivedAt))
        .limit(200);
      const items = rows.map((r) => ({
        id: r.id,
        queue: r.queue as SourceQueue,
        messageId: r.messageId,
        body: r.body,
        attempts: r.attempts,
        receivedAt: r.receivedAt.toISOString(),
      }));
      return c.json({ items }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/admin/dead-letters/replay',
      tags: ['Operations'],
      summary: 'Send pending dead letters back to their source queue',
      middleware: [requireRole('admin')] as const,
      security: SIGNED_IN,
      request: { body: { ...json(ReplayBody), required: false } },
      responses: {
        200: { description: 'How many were sent back.', ...json(ReplayResult) },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const db = c.var.database.db.$primary;
      const pending = and(
        isNull(deadLetters.replayedAt),
        body.queue ? eq(deadLetters.queue, body.queue) : inArray(deadLetters.queue, [...SOURCE_QUEUES]),
      );
      const rows = await db
        .select()
        .from(deadLetters)
        .where(pending)
        .orderBy(asc(deadLetters.receivedAt))
        .limit(body.limit);
      // Consumers are idempotent, so a crash between sending and marking only causes a harmless repeat.
      for (const queue of SOURCE_QUEUES) {
        const batch = rows.filter((r) => r.queue === queue);
        for (let i = 0; i < batch.length; i += 100) {
          const chunk = batch.slice(i, i + 100);
          await producer(c.env, queue).sendBatch(chunk.map((r) => ({ body: r.body, contentType: 'json' as const })));
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
      const remaining = await db.$count(deadLetters, pending);
      await recordAudit(
        c,
        'dead_letters.replay',
        { type: 'queue', id: body.queue ?? null },
        { replayed: rows.length, remaining },
      );
      return c.json({ replayed: rows.length, remaining }, 200);
    },
  );
