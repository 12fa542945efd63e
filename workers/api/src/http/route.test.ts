import { OpenAPIHono } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorBodySchema } from '#shared/schemas/common';
import type { AppEnv } from '../app-env';
import { SIGN_IN_OPTIONAL, SIGNED_IN } from './openapi';
import { route } from './route';

const Thing = z.object({ id: z.uuid(), name: z.string() }).meta({ id: 'RouteTestThing' });
const Params = z.object({ id: z.uuid() });
const errorBody = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorBodySchema } },
});
/** The least a route declares. */
const X = { method: 'post', path: '/x', tag: 'X', summary: 'x' } as const;
/** The names of a route's guards: what the authorization matrix and test/node/openapi.test.ts look for. */
const guards = (config: object) =>
  ((config as { middleware?: { name: string }[] }).middleware ?? []).map((handler) => handler.name);

describe('route()', () => {
  it('builds the createRoute config: one tag, the success response, the error responses', () => {
    const config = route({
      method: 'get',
      path: '/things/{id}',
      tag: 'Things',
      summary: 'A thing',
      description: 'More about it.',
      params: Params,
      response: [200, 'The thing.', Thing],
      errors: [400, 404],
    });
    expect(config).toEqual({
      method: 'get',
      path: '/things/{id}',
      tags: ['Things'],
      summary: 'A thing',
      description: 'More about it.',
      request: { params: Params },
      responses: {
        200: { description: 'The thing.', content: { 'application/json': { schema: Thing } } },
        400: errorBody('The request is not valid (see details).'),
        404: errorBody('Not found.'),
      },
    });
    expect(guards(config)).toEqual([]);
    expect(config.getRoutingPath()).toBe('/things/:id');
  });

  it('adds the guard, the security requirement and the guard’s own errors for each kind of caller', () => {
    const of = (auth: 'public' | 'optional' | 'fan' | 'staff' | 'admin') =>
      route({ ...X, auth, response: [204, 'Done.'] });
    expect(guards(of('public'))).toEqual([]);
    expect(of('public')).not.toHaveProperty('security');
    expect(Object.keys(of('public').responses)).toEqual(['204']);

    expect(guards(of('optional'))).toEqual([]);
    expect(of('optional').security).toBe(SIGN_IN_OPTIONAL);
    expect(Object.keys(of('optional').responses)).toEqual(['204']);

    expect(guards(of('fan'))).toEqual(['requireCaller']);
    expect(of('fan').security).toBe(SIGNED_IN);
    expect(Object.keys(of('fan').responses)).toEqual(['204', '401']);

    for (const auth of ['staff', 'admin'] as const) {
      expect(guards(of(auth))).toEqual(['requireRole']);
      expect(of(auth).security).toBe(SIGNED_IN);
      expect(Object.keys(of(auth).responses)).toEqual(['204', '401', '403']);
    }
  });

  it('documents a success without a body with its description only', () => {
    const config = route({ ...X, method: 'delete', response: [204, 'Gone.'] });
    expect(config.responses).toEqual({ 204: { description: 'Gone.' } });
  });

  it('takes `body: Schema` as a required JSON body, and a full request body as it is', () => {
    const required = route({ ...X, body: Thing });
    expect(required.request).toEqual({ body: { content: { 'application/json': { schema: Thing } }, required: true } });
    const optional = { content: { 'application/json': { schema: Thing } }, required: false };
    const passed = route({ ...X, body: optional });
    expect(passed.request.body).toBe(optional);
  });

  it('merges other responses last, so one can replace a generated one', () => {
    const config = route({
      ...X,
      response: [201, 'Added.', Thing],
      errors: [409],
      responses: { 200: { description: 'Already there.' }, 409: errorBody('Taken.') },
    });
    expect(Object.keys(config.responses)).toEqual(['200', '201', '409']);
    expect(config.responses[409].description).toBe('Taken.');
  });

  it('keeps the handler typed by the schemas and statuses it declares', async () => {
    const addThing = () =>
      route({
        method: 'post',
        path: '/things/{id}',
        tag: 'Things',
        summary: 'x',
        params: Params,
        body: Thing,
        response: [201, 'Added.', Thing],
        errors: [400],
      });
    new OpenAPIHono<AppEnv>().openapi(
      addThing(),
      // @ts-expect-error: 200 is not a declared status of this route.
      (c) => c.json(c.req.valid('json'), 200),
    );
    new OpenAPIHono<AppEnv>().openapi(
      addThing(),
      // @ts-expect-error: the body must match the declared schema.
      (c) => c.json({ id: c.req.valid('param').id }, 201),
    );
    const app = new OpenAPIHono<AppEnv>().openapi(addThing(), (c) => {
      const { id } = c.req.valid('param');
      const { name } = c.req.valid('json');
      return c.json({ id, name }, 201);
    });
    const id = crypto.randomUUID();
    const res = await app.request(`/things/${id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, name: 'a' }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ id, name: 'a' });
  });
});
