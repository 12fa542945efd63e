import { OpenAPIHono } from '@hono/zod-openapi';
import { errors } from '#shared/errors';
import { ShowForecast, ShowIdParams } from '#shared/schemas/ml';
import type { AppEnv } from '../app-env';
import { showForecastNow } from '../forecast/show';
import { route } from '../http/route';

/**
 * The popularity forecast of one show, computed now from its current features by the committed model
 * (workers/api/src/forecast/model.json). The cron stores the same computation for every open show in show_forecasts.
 */
export const forecastRoutes = new OpenAPIHono<AppEnv>().openapi(
  route({
    method: 'get',
    path: '/shows/{showId}/forecast',
    tag: 'Shows',
    summary: "A show's predicted final vote count (popularity forecast), with its features and model version",
    params: ShowIdParams,
    response: [200, 'The forecast, as of now.', ShowForecast],
    errors: [400, 404],
  }),
  async (c) => {
    const forecast = await showForecastNow(c.var.database.db, c.req.valid('param').showId, new Date());
    if (!forecast) throw errors.notFound('show');
    return c.json(forecast, 200);
  },
);
