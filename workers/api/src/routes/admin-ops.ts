import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { errors } from '#shared/errors';
import { Alert } from '#shared/schemas/alerts';
import { TraceHop } from '#shared/trace/spans';
import type { AppEnv } from '../app-env';
import { route } from '../http/route';
import { listAlerts } from '../ops/alerts';
import { traceHopsOf } from '../ops/traces';

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
    route({
      method: 'get',
      path: '/admin/alerts',
      tag: 'Operations',
      summary: 'Active alerts and recently resolved ones',
      description: 'Rules, thresholds and what to do for each: docs/operations.md#alerts.',
      auth: 'staff',
      query: AlertsQuery,
      response: [200, 'The alerts.', AlertList],
      errors: [400],
    }),
    async (c) => {
      const { recentHours, limit } = c.req.valid('query');
      return c.json(await listAlerts(c.var.database.db, new Date(), recentHours, limit), 200);
    },
  )
  .openapi(
    route({
      method: 'get',
      path: '/admin/traces/{traceId}',
      tag: 'Operations',
      summary: 'The recorded hops of one trace (api, room, outbox, queue, consumer, Postgres), in order',
      description:
        'Only sampled traces are recorded (TRACE_SAMPLE_RATE, or a request sent with a sampled `traceparent`), and kept TRACE_RETENTION_HOURS. An unknown or unsampled id answers 404.',
      auth: 'staff',
      params: TraceParams,
      response: [200, 'The hops of the trace.', Trace],
      errors: [400, 404],
    }),
    async (c) => {
      const { traceId } = c.req.valid('param');
      const hops = await traceHopsOf(c.var.database.db, traceId);
      if (!hops.length) throw errors.notFound('trace (no hops recorded)');
      return c.json({ traceId, hops }, 200);
    },
  );
