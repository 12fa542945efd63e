import { Hono } from 'hono';
import { sql } from 'drizzle-orm';
import type { AppEnv } from '../app-env';

export const APP_VERSION = '0.1.0';

/**
 * Liveness plus database reachability, for load balancers and `npm run dev`'s readiness wait.
 * 503 when Postgres cannot be reached, so a probe takes the instance out instead of serving errors.
 */
export const healthRoutes = new Hono<AppEnv>().get('/health', async (c) => {
  const started = Date.now();
  try {
    const result = await c.var.database.db.$primary.execute<{ version: string }>(sql`select version() as version`);
    const version = result.rows[0]?.version ?? 'unknown';
    return c.json({
      status: 'ok',
      version: APP_VERSION,
      database: { reachable: true, version, latencyMs: Date.now() - started },
    });
  } catch (err) {
    c.var.log.warn('health: database unreachable', { err });
    return c.json(
      { status: 'degraded', version: APP_VERSION, database: { reachable: false, error: 'unreachable', latencyMs: Date.now() - started } },
      503,
    );
  }
});
