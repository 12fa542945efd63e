import { Hono } from 'hono';
import type { AppEnv } from '../app-env';

/** The spec the page renders: served by the `/v1` app, generated from the routes' zod schemas. */
export const OPENAPI_PATH = '/v1/openapi.json';
/** Swagger UI's files: Workers Static Assets (wrangler.toml `[assets]`), written by scripts/api-assets.ts. */
export const SWAGGER_UI_ASSETS = '/docs/swagger-ui';

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>MySetlist API reference</title>
  <link rel="icon" type="image/png" href="${SWAGGER_UI_ASSETS}/favicon-32x32.png">
  <link rel="stylesheet" href="${SWAGGER_UI_ASSETS}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${SWAGGER_UI_ASSETS}/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: '${OPENAPI_PATH}',
      dom_id: '#swagger-ui',
      presets: [SwaggerUIBundle.presets.apis],
      deepLinking: true,
      persistAuthorization: true,
      // No call to the public validator service: the page works offline.
      validatorUrl: null,
    });
  </script>
</body>
</html>
`;

/**
 * `/docs`: the browsable API reference (Swagger UI). The worker serves only this small page; Swagger UI itself
 * (about 2 MB) is static assets, so it stays out of the worker bundle and works without a CDN.
 */
export const docsRoutes = new Hono<AppEnv>()
  .get('/docs', (c) => {
    c.header('Cache-Control', 'no-cache');
    return c.html(page);
  })
  .get('/docs/', (c) => c.redirect('/docs', 301));
