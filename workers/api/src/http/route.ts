import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import type { ZodType } from 'zod';
import type { UserRole } from '#shared/schemas/auth';
import { requireCaller } from '../middleware/session';
import { requireRole } from '../middleware/session/require-role';
import { errorResponses, json, SIGN_IN_OPTIONAL, SIGNED_IN } from './openapi';

/**
 * Who may call a route. `public`: anyone, nothing documented; `optional`: anyone, and a signed-in caller gets
 * their own data too; `fan`: signed in (401 otherwise); `staff`: moderators and admins; `admin`: admins only
 * (401 anonymous, 403 any other role).
 */
export type Auth = 'public' | 'optional' | 'fan' | 'staff' | 'admin';

const ROLES: Partial<Record<Auth, UserRole[]>> = { staff: ['moderator', 'admin'], admin: ['admin'] };
/** The error statuses a guard answers with itself, so every guarded route documents them. */
const GUARD_ERRORS: Record<Auth, (401 | 403)[]> = {
  public: [],
  optional: [],
  fan: [401],
  staff: [401, 403],
  admin: [401, 403],
};

type Json<T> = { content: { 'application/json': { schema: T } } };
type RequestSpec =
  NonNullable<RouteConfig['request']> extends infer R
    ? { [K in keyof R]?: K extends 'body' ? R[K] | ZodType : R[K] }
    : never;
/** `body: Schema` is a required JSON body; a full request-body object passes through as it is. */
type RequestOf<Q> = {
  [K in keyof Q]: K extends 'body' ? (Q[K] extends ZodType ? Json<Q[K]> & { required: true } : Q[K]) : Q[K];
};
type SuccessOf<S extends number, T> = {
  [K in S]: T extends ZodType
    ? { description: string; content: { 'application/json': { schema: T } } }
    : { description: string };
};
type GuardErrorsOf<A extends Auth> = A extends 'fan' ? 401 : A extends 'staff' | 'admin' ? 401 | 403 : never;
type Responses = NonNullable<RouteConfig['responses']>;

export interface RouteSpec<
  M extends RouteConfig['method'],
  P extends string,
  A extends Auth,
  Q extends RequestSpec,
  S extends number,
  T extends ZodType | undefined,
  E extends number,
  X extends Responses,
> {
  method: M;
  path: P;
  /** Only for an operation served outside the document's server (`/v1`). */
  servers?: RouteConfig['servers'];
  /** The one tag that groups the operation in the document. */
  tag: string;
  summary: string;
  description?: string;
  /** Adds the guard middleware, the document's `security` and the guard's 401/403. Default `public`. */
  auth?: A;
  request?: Q;
  /** The success response: `[status, description]`, or `[status, description, schema]` for a JSON body. */
  response?: readonly [S, string, T?];
  /** Error statuses the handler answers with (the guard's own are added), each with the one error schema. */
  errors?: readonly E[];
  /** Any other responses, as createRoute takes them: a second success, another media type. */
  responses?: X;
}

/**
 * One way to declare a route: the `createRoute` config, with the guard, `security` and the error responses that
 * every route repeats filled in from `auth`, `response` and `errors`. The result keeps createRoute's types, so
 * `c.req.valid(...)` and `c.json(body, status)` are checked against these schemas and statuses.
 */
export function route<
  const M extends RouteConfig['method'],
  const P extends string,
  const S extends number = never,
  T extends ZodType | undefined = undefined,
  const E extends number = never,
  A extends Auth = 'public',
  Q extends RequestSpec = Record<never, never>,
  X extends Responses = Record<never, never>,
>(spec: RouteSpec<M, P, A, Q, S, T, E, X>) {
  const auth: Auth = spec.auth ?? 'public';
  const roles = ROLES[auth];
  const guard = roles ? requireRole(...roles) : auth === 'fan' ? requireCaller() : undefined;
  const [status, description, schema] = spec.response ?? [];
  const body = spec.request?.body;
  const request = (isZodType(body) ? { ...spec.request, body: { ...json(body), required: true } } : spec.request) as
    | RouteConfig['request']
    | undefined;
  return createRoute({
    method: spec.method,
    path: spec.path,
    ...(spec.servers ? { servers: spec.servers } : {}),
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    ...(guard ? { middleware: [guard] } : {}),
    ...(auth === 'public' ? {} : { security: auth === 'optional' ? SIGN_IN_OPTIONAL : SIGNED_IN }),
    ...(request ? { request } : {}),
    responses: {
      ...(status === undefined ? {} : { [status]: { description, ...(schema ? json(schema) : {}) } }),
      ...errorResponses<number>(...GUARD_ERRORS[auth], ...(spec.errors ?? [])),
      ...spec.responses,
    },
  }) as unknown as BuiltRoute<M, P, Q, SuccessOf<S, T> & ErrorsOf<E | GuardErrorsOf<A>> & X>;
}

type ErrorsOf<E extends number> = ReturnType<typeof errorResponses<E>>;
/** What createRoute would have returned for the same config (no `request` when none was given). */
type BuiltRoute<M, P extends string, Q, R> = {
  method: M;
  path: P;
  tags: string[];
  summary: string;
  description?: string;
  security?: Record<string, string[]>[];
  responses: R;
  getRoutingPath(): string;
} & (keyof Q extends never ? unknown : { request: RequestOf<Q> });

const isZodType = (value: unknown): value is ZodType => typeof value === 'object' && value !== null && '_zod' in value;
