import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { errors } from '../../../src/shared/errors';
import type { AppEnv } from './app-env';
import { corsPolicy } from './middleware/cors-policy';
import { database } from './middleware/database';
import { errorHandler, notFoundHandler, errorResponse } from './middleware/error-handler';
import { rateLimit } from './middleware/rate-limit';
import { requestContext } from './middleware/request-context';
import { session } from './middleware/session';
import { adminUserRoutes } from './routes/admin-users';
import { authRoutes } from './routes/auth';
import { deadLetterRoutes } from './routes/dead-letters';
import { healthRoutes, APP_VERSION } from './routes/health';
import { liveRoutes } from './routes/live';
import { mfaRoutes } from './routes/mfa';
import { privacyRoutes } from './routes/privacy';
import { roomModerationRoutes } from './routes/room-moderation';
import { sessionRoutes } from './routes/sessions';
import { setlistRoutes } from './routes/setlist';
import { showRoutes } from './routes/shows';

export const MAX_BODY_BYTES = 64 * 1024;

/** The `/v1` API. Validation failures from any route's zod schemas become the one 400 error shape. */
function createV1() {
  const v1 = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return errorResponse(c, errors.validation(result.error));
    },
  });
  v1.use('*', async function apiVersion(c, next) {
    await next();
    c.header('API-Version', '1');
  });
  v1.use('*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => errorResponse(c, errors.payloadTooLarge(MAX_BODY_BYTES)) }));
  v1.use('*', corsPolicy());
  v1.use('*', session());
  v1.use('*', rateLimit());
  v1.route('/', authRoutes);
  v1.route('/', privacyRoutes);
  v1.route('/', adminUserRoutes);
  v1.route('/', mfaRoutes);
  v1.route('/', sessionRoutes);
  v1.route('/', showRoutes);
  v1.route('/', setlistRoutes);
  v1.route('/', roomModerationRoutes);
  v1.route('/', liveRoutes);
  v1.route('/', deadLetterRoutes);
  v1.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'MySetlist API', version: APP_VERSION, description: 'Concert setlist predictions, voted live by fans.' },
    servers: [{ url: '/v1' }],
  });
  return v1;
}

export function createApp() {
  const app = new OpenAPIHono<AppEnv>();
  app.use('*', requestContext());
  // HSTS, nosniff, frame denial, referrer and cross-origin policies on every response.
  app.use('*', secureHeaders({ xFrameOptions: 'DENY', referrerPolicy: 'strict-origin-when-cross-origin' }));
  app.use('*', database());
  app.route('/', healthRoutes);
  app.route('/v1', createV1());
  app.onError(errorHandler);
  app.notFound(notFoundHandler);
  return app;
}

export type App = ReturnType<typeof createApp>;
