import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppEnv } from '../app-env';
import { recordAudit } from '../audit';
import { json } from '../http/openapi';
import { route } from '../http/route';
import { pendingDeadLetters, replayDeadLetters, SOURCE_QUEUES } from '../ops/dead-letters';

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

/** Operators' view of dead letters, and the replay behind `npm run dlq:replay`. Admins only. */
export const deadLetterRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    route({
      method: 'get',
      path: '/admin/dead-letters',
      tag: 'Operations',
      summary: 'Dead letters not yet replayed',
      auth: 'admin',
      response: [200, 'Pending dead letters, oldest first.', DeadLetterList],
    }),
    async (c) => {
      return c.json({ items: await pendingDeadLetters(c.var.database.db.$primary) }, 200);
    },
  )
  .openapi(
    route({
      method: 'post',
      path: '/admin/dead-letters/replay',
      tag: 'Operations',
      summary: 'Send pending dead letters back to their source queue',
      auth: 'admin',
      body: { ...json(ReplayBody), required: false },
      response: [200, 'How many were sent back.', ReplayResult],
      errors: [400],
    }),
    async (c) => {
      const body = c.req.valid('json');
      const { replayed, remaining } = await replayDeadLetters(c.var.database.db.$primary, c.env, body);
      await recordAudit(c, 'dead_letters.replay', { type: 'queue', id: body.queue ?? null }, { replayed, remaining });
      return c.json({ replayed, remaining }, 200);
    },
  );
