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

  it('answers a Postgres data exception (SQLSTATE class 22) with 400 invalid_input and logs it as a warning', async () => {
    const spy = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const logged = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      // As drizzle throws it: the driver's error, with its SQLSTATE, as the cause.
      const refused = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
      const res = await appThrowing(new Error('Failed query: select $1', { cause: refused })).request(
        '/boom',
        {},
        { LOG_LEVEL: 'warn' },
      );
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(text).not.toContain('select');
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'invalid_input' } });
      const lines = [...spy.mock.calls, ...logged.mock.calls].map(([line]) => String(line));
      expect(lines.some((line) => line.includes('22021'))).toBe(true);
    } finally {
      spy.mockRestore();
      logged.mockRestore();
    }
  });

  it('keeps other SQLSTATEs (a programming error: undefined table) a 500', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const missing = Object.assign(new Error('relation "nope" does not exist'), { code: '42P01' });
      const res = await appThrowing(new Error('Failed query', { cause: missing })).request('/boom', {}, env);
      expect(res.status).toBe(500);
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
