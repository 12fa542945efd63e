import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { errors } from '#shared/errors';
import { readShowFeatures } from '../forecast/features';
import { forecastOf } from '../forecast/refresh';
import { ShowForecast, ShowIdParams } from '#shared/schemas/ml';
import type { AppEnv } from '../app-env';
import { readReplica } from '../catalog/common';
import { errorResponses, json } from '../http/openapi';

/**
 * The popularity forecast of one show, computed now from its current features by the committed model
 * (workers/api/src/forecast/model.json). The cron stores the same computation for every open show in show_forecasts.
 */
export const forecastRoutes = new OpenAPIHono<AppEnv>().openapi(
  createRoute({
    method: 'get',
    path: '/shows/{showId}/forecast',
    tags: ['Shows'],
    summary: "A show's predicted final vote count (popularity forecast), with its features and model version",
    request: { params: ShowIdParams },
    responses: { 200: { description: 'The forecast, as of now.', ...json(ShowForecast) }, ...errorResponses(400, 404) },
  }),
  async (c) => {
    const { showId } = c.req.valid('param');
    const now = new Date();
    const [row] = await readShowFeatures(readReplica(c.var.database.db), sql`s.id = ${showId}`, now);
    if (!row) throw errors.notFound('show');
    const forecast = forecastOf(row, now);
    const body: ShowForecast = {
      showId: forecast.showId,
      predictedVotes: forecast.predictedVotes,
      predictedVotesPerMinute: forecast.predictedVotesPerMinute,
      variant: forecast.variant,
      modelVersion: forecast.modelVersion,
      features: forecast.features,
      computedAt: now.toISOString(),
    };
    return c.json(body, 200);
  },
);
