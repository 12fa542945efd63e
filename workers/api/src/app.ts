import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { errors } from '#shared/errors';
import type { AppEnv } from './app-env';
import { SECURITY_SCHEMES } from './http/openapi';
import { corsPolicy } from './middleware/cors-policy';
import { database } from './middleware/database';
import { databaseAvailability } from './middleware/database-availability';
import { errorHandler, errorResponse, notFoundHandler } from './middleware/error-handler';
import { inputText } from './middleware/input-text';
import { rateLimit } from './middleware/rate-limit';
import { requestContext } from './middleware/request-context';
import { requestMetrics } from './middleware/request-metrics';
import { responseCache } from './middleware/response-cache';
import { session } from './middleware/session';
import { actualSetlistRoutes } from './routes/actual-setlist';
import { adminAnalyticsRoutes } from './routes/admin-analytics';
import { adminCatalogRoutes } from './routes/admin-catalog';
import { adminFlagRoutes } from './routes/admin-flags';
import { adminImportRoutes } from './routes/admin-imports';
import { adminOpsRoutes } from './routes/admin-ops';
import { adminRecoveryRoutes } from './routes/admin-recovery';
import { adminUserRoutes } from './routes/admin-users';
import { artistRoutes } from './routes/artists';
import { authRoutes } from './routes/auth';
import { deadLetterRoutes } from './routes/dead-letters';
import { docsRoutes, OPENAPI_PATH } from './routes/docs';
import { followRoutes } from './routes/follows';
import { forecastRoutes } from './routes/forecast';
import { APP_VERSION, healthRoute, healthRoutes } from './routes/health';
import { leaderboardRoutes } from './routes/leaderboard';
import { liveRoutes } from './routes/live';
import { mfaRoutes } from './routes/mfa';
import { notificationRoutes } from './routes/notifications';
import { privacyRoutes } from './routes/privacy';
import { recommendationRoutes } from './routes/recommendations';
import { roomModerationRoutes } from './routes/room-moderation';
import { searchRoutes } from './routes/search';
import { sessionRoutes } from './routes/sessions';
import { setlistRoutes } from './routes/setlist';
import { showRoutes } from './routes/shows';
import { trendingRoutes } from './routes/trending';
import { venueRoutes } from './routes/venues';
import { createWebRoutes, notFoundPage, wantsPage } from './web';

export const MAX_BODY_BYTES = 64 * 1024;

/** The OpenAPI document's own fields; its paths and components come from the routes' zod schemas. */
const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'MySetlist API',
    version: APP_VERSION,
    description: 'Concert setlist predictions, voted live by fans. Browsable at /docs.',
  },
  servers: [{ url: '/v1' }],
};

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
  v1.use(
    '*',
    bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => errorResponse(c, errors.payloadTooLarge(MAX_BODY_BYTES)) }),
  );
  v1.use('*', corsPolicy());
  // While the database circuit is open: writes fail fast with 503, anonymous reads come from the cache.
  v1.use('*', databaseAvailability());
  v1.use('*', session());
  v1.use('*', rateLimit());
  // Text Postgres cannot store (NUL, lone surrogates) is refused here, for every route at once.
  v1.use('*', inputText());
  v1.use('*', responseCache());
  v1.route('/', authRoutes);
  v1.route('/', privacyRoutes);
  v1.route('/', adminUserRoutes);
  v1.route('/', adminFlagRoutes);
  v1.route('/', mfaRoutes);
  v1.route('/', sessionRoutes);
  v1.route('/', showRoutes);
  v1.route('/', setlistRoutes);
  v1.route('/', roomModerationRoutes);
  v1.route('/', liveRoutes);
  v1.route('/', deadLetterRoutes);
  v1.route('/', artistRoutes);
  v1.route('/', venueRoutes);
  v1.route('/', followRoutes);
  v1.route('/', notificationRoutes);
  v1.route('/', adminCatalogRoutes);
  v1.route('/', adminImportRoutes);
  v1.route('/', searchRoutes);
  v1.route('/', trendingRoutes);
  v1.route('/', forecastRoutes);
  v1.route('/', recommendationRoutes);
  v1.route('/', actualSetlistRoutes);
  v1.route('/', leaderboardRoutes);
  v1.route('/', adminAnalyticsRoutes);
  v1.route('/', adminOpsRoutes);
  v1.route('/', adminRecoveryRoutes);
  // The one document describes every route: GET /health too, which lives outside /v1, so its operation
  // overrides the `/v1` server with `/` (routing stays in createApp).
  v1.openAPIRegistry.registerPath(healthRoute);
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES))
    v1.openAPIRegistry.registerComponent('securitySchemes', name, scheme);
  v1.doc31(OPENAPI_PATH.slice('/v1'.length), OPENAPI_DOCUMENT);
  return v1;
}

/** The document served at /v1/openapi.json, without a request or bindings (for tests and tools). */
export function openApiDocument() {
  return createV1().getOpenAPI31Document(OPENAPI_DOCUMENT);
}

export function createApp() {
  const app = new OpenAPIHono<AppEnv>();
  app.use('*', requestContext());
  // Per-route latency and status, aggregated per isolate and flushed in batches (docs/analytics.md).
  app.use('*', requestMetrics());
  // HSTS, nosniff, frame denial, referrer and cross-origin policies on every response.
  app.use('*', secureHeaders({ xFrameOptions: 'DENY', referrerPolicy: 'strict-origin-when-cross-origin' }));
  app.use('*', database());
  app.route('/', healthRoutes);
  app.route('/', docsRoutes);
  app.route('/v1', createV1());
  // The fan web app's pages (web/index.tsx): clients of the /v1 routes above, called in-process.
  app.route(
    '/',
    createWebRoutes((request, env, ctx) => Promise.resolve(app.fetch(request, env, ctx))),
  );
  app.onError(errorHandler);
  app.notFound((c) => (wantsPage(c) ? notFoundPage(c) : notFoundHandler(c)));
  return app;
}

export type App = ReturnType<typeof createApp>;
