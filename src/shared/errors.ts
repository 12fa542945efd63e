/**
 * One error shape for every 4xx/5xx the system returns: `{ "error": { "code", "message", "details"? } }`.
 * Codes are stable strings clients can switch on; messages are for humans.
 */
import type { ZodError } from 'zod';

export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 426 | 429 | 500 | 502 | 503;

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; requestId?: string };
}

export class ApiError extends Error {
  constructor(
    readonly status: ErrorStatus,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(requestId?: string): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
        ...(requestId ? { requestId } : {}),
      },
    };
  }
}

/** zod issues, trimmed to what a client needs to point at the bad field. */
export function zodDetails(error: ZodError): { path: string; code: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    code: issue.code,
    message: issue.message,
  }));
}

export const errors = {
  validation: (error: ZodError) =>
    new ApiError(400, 'validation_failed', 'The request is not valid.', zodDetails(error)),
  malformedJson: () => new ApiError(400, 'malformed_json', 'The request body is not valid JSON.'),
  unauthenticated: () => new ApiError(401, 'unauthenticated', 'Sign in to do this.'),
  invalidCredentials: () => new ApiError(401, 'invalid_credentials', 'The email or password is wrong.'),
  forbidden: () => new ApiError(403, 'forbidden', 'You are not allowed to do this.'),
  notFound: (what = 'resource') => new ApiError(404, 'not_found', `The ${what} does not exist.`),
  conflict: (code: string, message: string) => new ApiError(409, code, message),
  payloadTooLarge: (limit: number) =>
    new ApiError(413, 'payload_too_large', `The request body is larger than ${limit} bytes.`),
  unsupportedMediaType: () => new ApiError(415, 'unsupported_media_type', 'Send the body as application/json.'),
  unprocessable: (code: string, message: string, details?: unknown) => new ApiError(422, code, message, details),
  unavailable: (message: string, retryAfterSeconds = 5) =>
    new ApiError(503, 'service_unavailable', message, undefined, { 'Retry-After': String(retryAfterSeconds) }),
  internal: () =>
    new ApiError(500, 'internal_error', 'Something went wrong on our side. Quote the request id when reporting it.'),
} as const;
