import { ErrorBodySchema } from '../../../../src/shared/schemas/common';

/** The error responses every route documents, generated from the one error schema. */
export function errorResponses<const S extends number>(...statuses: S[]) {
  const descriptions: Record<number, string> = {
    400: 'The request is not valid (see details).',
    401: 'Not signed in, or the session has expired.',
    403: 'Signed in, but not allowed.',
    404: 'Not found.',
    409: 'Conflicts with the current state.',
    422: 'Valid, but breaks a rule of the domain.',
    429: 'Too many requests.',
    503: 'A dependency is unavailable; retry after the Retry-After header.',
  };
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: descriptions[status] ?? 'Error', content: { 'application/json': { schema: ErrorBodySchema } } },
    ]),
  ) as { [K in S]: { description: string; content: { 'application/json': { schema: typeof ErrorBodySchema } } } };
}
