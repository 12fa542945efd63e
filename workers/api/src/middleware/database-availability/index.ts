import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../../app-env';
import { type DatabaseBreaker, databaseBreaker } from '../../resilience/database-breaker';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Fails writes fast while the database circuit is open: 503 `database_unavailable` with Retry-After (the
 * seconds until the breaker lets a trial through), before the route spends anything (password hashing,
 * parsing) or attempts a connection. Reads go on: they may be answered from the response cache, and a
 * read that reaches the database while the circuit is open fails at once in the guard anyway.
 */
export const databaseAvailability = (options: { breaker?: (env: Env) => DatabaseBreaker } = {}) =>
  createMiddleware<AppEnv>(async function databaseAvailability(c, next) {
    if (!READS.has(c.req.method)) {
      const refused = (options.breaker ?? databaseBreaker)(c.env).refusal();
      if (refused) throw refused;
    }
    await next();
  });
