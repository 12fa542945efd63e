import { OpenAPIHono } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AppEnv } from '../app-env';
import { json } from '../http/openapi';
import { route } from '../http/route';

export const APP_VERSION = '0.1.0';

const Health = z
  .object({
    status: z.enum(['ok', 'degraded']),
    version: z.string(),
    database: z.object({
      reachable: z.boolean(),
      /** Postgres' `select version()`, when reachable. */
      version: z.string().optional(),
      error: z.string().optional(),
      latencyMs: z.number().int(),
    }),
  })
  .meta({ id: 'Health' });

/**
 * Outside /v1, so the document's `/v1` server is overridden for this one operation: it appears in the one spec
 * (and on /docs) with its real URL.
 */
export const healthRoute = route({
  method: 'get',
  path: '/health',
  servers: [{ url: '/', description: 'Outside the versioned API' }],
  tag: 'Operations',
  summary: 'Liveness and database reachability',
  description: 'For load balancers and readiness probes. Not rate-limited, no authentication.',
  response: [200, 'Up, and Postgres answers.', Health],
  responses: { 503: { description: 'Up, but Postgres cannot be reached: take the instance out.', ...json(Health) } },
});

/**
 * Liveness plus database reachability, for load balancers and `npm run dev`'s readiness wait.
 * 503 when Postgres cannot be reached, so a probe takes the instance out instead of serving errors.
 */
export const healthRoutes = new OpenAPIHono<AppEnv>().openapi(healthRoute, async (c) => {
  const started = Date.now();
  // A probe must see the database as it is now: never from a browser's, a proxy's or a CDN's cache.
  c.header('Cache-Control', 'no-store');
  try {
    const result = await c.var.database.db.$primary.execute<{ version: string }>(sql`select version() as version`);
    const version = result.rows[0]?.version ?? 'unknown';
    return c.json(
      {
        status: 'ok' as const,
        version: APP_VERSION,
        database: { reachable: true, version, latencyMs: Date.now() - started },
      },
      200,
    );
  } catch (err) {
    c.var.log.warn('health: database unreachable', { err });
    return c.json(
      {
        status: 'degraded' as const,
        version: APP_VERSION,
        database: { reachable: false, error: 'unreachable', latencyMs: Date.now() - started },
      },
      503,
    );
  }
});
