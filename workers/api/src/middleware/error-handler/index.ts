import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';
import { sqlState } from '#shared/db/errors';
import { ApiError, errors } from '#shared/errors';
import type { AppEnv } from '../../app-env';
import { findDatabaseUnavailable } from '../../resilience/database-breaker';

/** Maps anything thrown to the one error shape; never leaks a stack trace to the client. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const unavailable = findDatabaseUnavailable(err);
  if (unavailable) return unavailable.toApiError();
  if (err instanceof ZodError) return errors.validation(err);
  if (err instanceof HTTPException) {
    if (err.status === 400 && /malformed json/i.test(err.message)) return errors.malformedJson();
    if (err.status === 413) return errors.payloadTooLarge(0);
    if (err.status >= 400 && err.status < 500) {
      return new ApiError(err.status as 400, 'bad_request', err.message || 'The request is not valid.');
    }
  }
  if (isDataException(err)) return invalidInput();
  return errors.internal();
}

/**
 * SQLSTATE class 22 (data exception: a NUL in text, an integer out of range, a date Postgres cannot read, an
 * invalid UUID) means a value was refused, and the values of a request come from its caller. Input is checked
 * before any SQL (input-text middleware, the routes' schemas, cursor schemas), so reaching this is a gap in
 * those checks: it is still the caller's bad input, so a 400, but logged as a warning with the SQLSTATE so the
 * gap is found and closed. Every other SQLSTATE stays a 500.
 */
export const isDataException = (err: unknown) =>
  !(err instanceof ApiError) && (sqlState(err)?.startsWith('22') ?? false);
const invalidInput = () => new ApiError(400, 'invalid_input', 'A value in the request is malformed or out of range.');

export function errorResponse(c: Context<AppEnv>, err: ApiError): Response {
  const res = c.json(err.toBody(c.get('requestId')), err.status);
  for (const [name, value] of Object.entries(err.headers ?? {})) res.headers.set(name, value);
  return res;
}

export const errorHandler: ErrorHandler<AppEnv> = function errorHandler(err, c) {
  const apiError = toApiError(err);
  // Deliberate errors (ApiError, validation) are part of the contract; only surprises are logged as errors.
  if (apiError.code === 'internal_error') c.get('log')?.error('unhandled error', { err });
  else if (isDataException(err))
    c.get('log')?.warn('postgres refused a value of the request', { err, sqlState: sqlState(err) });
  return errorResponse(c, apiError);
};

export const notFoundHandler: NotFoundHandler<AppEnv> = function notFoundHandler(c) {
  return errorResponse(c, new ApiError(404, 'not_found', `No route for ${c.req.method} ${c.req.path}.`));
};
