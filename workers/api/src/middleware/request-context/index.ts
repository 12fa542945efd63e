import { createMiddleware } from 'hono/factory';
import { createLogger, parseLogLevel } from '#shared/log';
import type { AppEnv } from '../../app-env';

const REQUEST_ID_HEADER = 'X-Request-Id';
const VALID_INCOMING_ID = /^[A-Za-z0-9._:-]{8,100}$/;

/**
 * Gives every request an id (the caller's `X-Request-Id` when it is well-formed, so a trace can span
 * services) and a logger that stamps it on every line; writes one structured access-log line per request.
 */
export const requestContext = () =>
  createMiddleware<AppEnv>(async function requestContext(c, next) {
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const requestId = incoming && VALID_INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID();
    const log = createLogger({ requestId, service: 'api' }, { level: parseLogLevel(c.env.LOG_LEVEL) });
    c.set('requestId', requestId);
    c.set('log', log);
    const started = Date.now();
    try {
      await next();
    } finally {
      c.header(REQUEST_ID_HEADER, requestId);
      log.info('request', {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Date.now() - started,
        userId: c.get('caller')?.user.id,
      });
    }
  });
