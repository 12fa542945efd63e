/**
 * What the worker serves: the OpenAPI document at /v1/openapi.json and the reference page at /docs. The
 * document's validity and completeness are checked in Node (test/node/openapi.test.ts), where a validator can run.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../src/app';
import { api, BASE } from './support';

describe('GET /v1/openapi.json', () => {
  it('serves the document generated from the routes, as validated in Node', async () => {
    const res = await api('/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
    const doc = (await res.json()) as {
      openapi: string;
      servers: unknown;
      paths: Record<string, Record<string, { servers?: unknown }>>;
    };
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: '/v1' }]);
    expect(doc.paths['/health']?.get?.servers).toEqual([{ url: '/', description: 'Outside the versioned API' }]);
    expect(doc.paths['/shows/{showId}/live']?.get).toBeDefined();
  });
});

describe('GET /docs', () => {
  it('serves the reference page, which loads the spec and Swagger UI from this origin only', async () => {
    const res = await api('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("url: '/v1/openapi.json'");
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources).toEqual(
      expect.arrayContaining(['/docs/swagger-ui/swagger-ui-bundle.js', '/docs/swagger-ui/swagger-ui.css']),
    );
    expect(sources.filter((s) => !s.startsWith('/'))).toEqual([]); // no CDN
  });

  it('has every file the page loads among the static assets (wrangler.toml [assets])', async () => {
    const html = await (await api('/docs')).text();
    for (const [, path] of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const asset = await env.ASSETS.fetch(new URL(path!, BASE));
      expect(asset.status, path).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, path).toBeGreaterThan(0);
    }
    const bundle = await env.ASSETS.fetch(new URL('/docs/swagger-ui/swagger-ui-bundle.js', BASE));
    expect(bundle.headers.get('Content-Type')).toMatch(/javascript/);
    expect(await bundle.text()).toContain('SwaggerUIBundle');
  });

  it('redirects /docs/ to /docs', async () => {
    const res = await api('/docs/', { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(new URL(res.headers.get('Location')!, BASE).pathname).toBe('/docs');
  });
});
