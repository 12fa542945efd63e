import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ApiError } from '#shared/errors';
import type { AppEnv } from '../../app-env';
import { requestContext } from '../request-context';
import { errorHandler, notFoundHandler } from '.';

function appThrowing(err: unknown) {
  const app = new Hono<AppEnv>();
  app.use('*', requestContext());
  app.get('/boom', () => {
    throw err;
  });
  app.onError(errorHandler);
  app.notFound(notFoundHandler);
  return app;
}

const env = { LOG_LEVEL: 'error' };

describe('errorHandler', () => {
  it('renders an ApiError with its status, code, details and headers', async () => {
    const res = await appThrowing(
      new ApiError(503, 'service_unavailable', 'Down.', { why: 'test' }, { 'Retry-After': '7' }),
    ).request('/boom', {}, env);
    expect(res.status).toBe(503);
    expect(res.headers.get('Retry-After')).toBe('7');
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(body.error).toEqual({
      code: 'service_unavailable',
      message: 'Down.',
      details: { why: 'test' },
      requestId: res.headers.get('X-Request-Id'),
    });
  });

  it('turns a ZodError into 400 validation_failed with the issues', async () => {
    const parsed = z.object({ n: z.number() }).safeParse({ n: 'x' });
    const res = await appThrowing(parsed.error).request('/boom', {}, env);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: 'validation_failed', details: [{ path: 'n', code: 'invalid_type' }] },
    });
  });

  it("maps Hono's malformed-JSON exception to 400 malformed_json", async () => {
    const res = await appThrowing(new HTTPException(400, { message: 'Malformed JSON in request body' })).request(
      '/boom',
      {},
      env,
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'malformed_json' } });
  });

  it('hides unexpected errors behind 500 internal_error, with no stack trace, and logs them', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const res = await appThrowing(new TypeError('secret detail at line 42')).request('/boom', {}, env);
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).not.toContain('secret detail');
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'internal_error' } });
      expect(spy).toHaveBeenCalledWith(expect.stringContaining('secret detail at line 42'));
    } finally {
      spy.mockRestore();
    }
  });

  it('answers unknown routes with 404 not_found in the same shape', async () => {
    const res = await appThrowing(new Error('unused')).request('/nope', { method: 'POST' }, env);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'not_found', message: 'No route for POST /nope.' } });
  });
});
