/**
 * The OpenAPI document, checked in Node: validators compile JSON Schemas with `new Function`, which workerd
 * forbids. The document is generated from the same code that serves /v1/openapi.json (workers/api/test/openapi.test.ts
 * checks the served one), and compared with the routes the Hono app really has, so an undocumented route fails.
 */
import { compileErrors, validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { createApp, openApiDocument } from '../../workers/api/src/app';

type Operation = {
  security?: Record<string, string[]>[];
  servers?: { url: string }[];
  requestBody?: unknown;
  responses?: Record<string, unknown>;
};
type PathItem = Partial<Record<(typeof METHODS)[number], Operation>> & { servers?: { url: string }[] };

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;
/** Served by the app but not API operations: the document itself and the reference page. */
const NOT_OPERATIONS = [/^\/v1\/openapi\.json$/, /^\/docs\/?$/];
/** API operations live under /v1, plus GET /health; every other path is a web page (workers/api/src/web), HTML. */
const isApiPath = (path: string) => path.startsWith('/v1/') || path === '/health';
/** Route guards (by function name): a route behind one must declare that it needs a signed-in caller. */
const SIGN_IN_GUARDS = new Set(['requireCaller', 'requireRole']);

const doc = openApiDocument() as unknown as {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, PathItem>;
  components: { securitySchemes?: Record<string, unknown> };
};

const join = (server: string, path: string) => `${server.replace(/\/$/, '')}${path}`;

/** `GET /v1/shows/{showId}/live`: each operation at the URL path it is served at, after its effective server. */
function documentedOperations(): Map<string, Operation> {
  const operations = new Map<string, Operation>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const server = (operation.servers ?? item.servers ?? doc.servers)[0]?.url ?? '/';
      operations.set(`${method.toUpperCase()} ${join(server, path)}`, operation);
    }
  }
  return operations;
}

/** The app's routes as `METHOD /path/{param}`, with the names of every handler in their chain. */
function appRoutes(): Map<string, Set<string>> {
  const routes = new Map<string, Set<string>>();
  for (const route of createApp().routes) {
    if (route.method === 'ALL') continue; // middleware
    const path = route.path.replace(/:([^/]+)/g, '{$1}');
    if (!isApiPath(path) || NOT_OPERATIONS.some((pattern) => pattern.test(path))) continue;
    const key = `${route.method} ${path}`;
    routes.set(key, (routes.get(key) ?? new Set()).add(route.handler.name));
  }
  return routes;
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it('is checked by a validator that does reject an invalid document', async () => {
    const broken = structuredClone(doc);
    delete (broken.paths['/shows'] as PathItem).get!.responses;
    (broken.paths['/shows/{showId}/setlist'] as PathItem).get!.security = 'everyone' as never;
    const result = await validate(broken as never);
    expect(result.valid).toBe(false);
  });

  it('describes every route the app serves, and only those', () => {
    const routes = [...appRoutes().keys()].sort();
    const documented = [...documentedOperations().keys()].sort();
    expect(routes.length).toBeGreaterThan(10);
    expect(documented).toEqual(routes);
  });

  it('documents GET /health at its own path, outside the /v1 server', () => {
    expect(doc.servers).toEqual([{ url: '/v1' }]);
    expect(documentedOperations().has('GET /health')).toBe(true);
  });

  it('requires a session on every route behind a sign-in guard, by either scheme', () => {
    const operations = documentedOperations();
    const guarded = [...appRoutes()]
      .filter(([, handlers]) => [...handlers].some((name) => SIGN_IN_GUARDS.has(name)))
      .map(([key]) => key);
    expect(guarded.length).toBeGreaterThan(5);
    for (const key of guarded) {
      expect(operations.get(key)?.security, key).toEqual([{ bearerAuth: [] }, { sessionCookie: [] }]);
    }
    expect(Object.keys(doc.components.securitySchemes ?? {}).sort()).toEqual(['bearerAuth', 'sessionCookie']);
    for (const [key, operation] of operations) {
      for (const requirement of operation.security ?? []) {
        for (const scheme of Object.keys(requirement))
          expect(doc.components.securitySchemes, `${key}: ${scheme}`).toHaveProperty(scheme);
      }
    }
  });

  it('names every JSON body schema as a component (zod .meta({ id }))', () => {
    const inline: string[] = [];
    for (const [key, operation] of documentedOperations()) {
      const bodies = { request: operation.requestBody, ...operation.responses } as Record<
        string,
        { content?: Record<string, { schema?: { $ref?: string } }> } | undefined
      >;
      for (const [status, body] of Object.entries(bodies)) {
        const schema = body?.content?.['application/json']?.schema;
        if (schema && !schema.$ref) inline.push(`${key} ${status}`);
      }
    }
    expect(inline).toEqual([]);
  });
});
