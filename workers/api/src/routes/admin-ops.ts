import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { errors } from '#shared/errors';
import { Alert } from '#shared/schemas/alerts';
import { TraceHop } from '#shared/trace/spans';
import type { AppEnv } from '../app-env';
import { errorResponses, json, SIGNED_IN } from '../http/openapi';
import { requireRole } from '../middleware/session/require-role';
import { listAlerts } from '../ops/alerts';
import { traceHopsOf } from '../ops/traces';

const STAFF = ['moderator', 'admin'] as const;

const TraceParams = z.object({
  traceId: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .meta({ description: 'A W3C trace id: 32 lowercase hex digits (the middle of a `traceparent`).' }),
});
const Trace = z
  .object({
    traceId: z.string(),
    hops: z.array(TraceHop.meta({ id: 'TraceHop' })),
  })
  .meta({ id: 'Trace' });

const AlertsQuery = z.object({
  recentHours: z.coerce.number().int().min(1).max(720).default(24),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const AlertList = z
  .object({
    active: z.array(Alert).meta({ description: 'Pending and firing alerts, oldest first.' }),
    recent: z.array(Alert).meta({ description: 'Alerts resolved within recentHours, newest first.' }),
  })
  .meta({ id: 'AlertList' });

/** Operations (docs/operations.md): traces and alerts. */
export const adminOpsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/admin/alerts',
      tags: ['Operations'],
      summary: 'Active alerts and recently resolved ones',
      description: 'Rules, thresholds and what to do for each: docs/operations.md#alerts.',
      middleware: [requireRole(...STAFF)] as const,
      security: SIGNED_IN,
      request: { query: AlertsQuery },
      responses: {
        200: { description: 'The alerts.', ...json(AlertList) },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { recentHours, limit } = c.req.valid('query');
      return c.json(await listAlerts(c.var.database.db, new Date(), recentHours, limit), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/admin/traces/{traceId}',
      tags: ['Operations'],
      summary: 'The recorded hops of one trace (api, room, outbox, queue, consumer, Postgres), in order',
      description:
        'Only sampled traces are recorded (TRACE_SAMPLE_RATE, or a request sent with a sampled `traceparent`), and kept TRACE_RETENTION_HOURS. An unknown or unsampled id answers 404.',
      middleware: [requireRole(...STAFF)] as const,
      security: SIGNED_IN,
      request: { params: TraceParams },
      responses: {
        200: { description: 'The hops of the trace.', ...json(Trace) },
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { traceId } = c.req.valid('param');
      const hops = await traceHopsOf(c.var.database.db, traceId);
      if (!hops.length) throw errors.notFound('trace (no hops recorded)');
      return c.json({ traceId, hops }, 200);
    },
  );
