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

type Request = NonNullable<RouteConfig['request']>;
type Responses = NonNullable<RouteConfig['responses']>;
type Json<T> = { content: { 'application/json': { schema: T } } };
/** `body: Schema` is a required JSON body; a full request-body object passes through as it is. */
type BodyOf<B> = B extends ZodType ? Json<B> & { required: true } : B;
/** A property only when its type was given (a type parameter left at `never`). */
type Given<K extends string, V> = [V] extends [never] ? unknown : { [P in K]: V };
type Flat<T> = { [K in keyof T]: T[K] };
type RequestOf<Pa, Qu, He, Bo> = Flat<
  Given<'params', Pa> & Given<'query', Qu> & Given<'headers', He> & Given<'body', BodyOf<Bo>>
>;
type SuccessOf<S extends number, T> = {
  [K in S]: T extends ZodType
    ? { description: string; content: { 'application/json': { schema: T } } }
    : { description: string };
};
type ErrorsOf<E extends number> = ReturnType<typeof errorResponses<E>>;
type GuardErrorsOf<A extends Auth> = A extends 'fan' ? 401 : A extends 'staff' | 'admin' ? 401 | 403 : never;

export interface RouteSpec<
  M extends RouteConfig['method'],
  P extends string,
  A extends Auth,
  Pa,
  Qu,
  He,
  Bo,
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
  params?: Pa;
  query?: Qu;
  headers?: He;
  /** A schema: a required JSON body. Anything else is a request body object as createRoute takes it. */
  body?: Bo;
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
  Pa extends NonNullable<Request['params']> = never,
  Qu extends NonNullable<Request['query']> = never,
  He extends NonNullable<Request['headers']> = never,
  Bo extends ZodType | NonNullable<Request['body']> = never,
  X extends Responses = Record<never, never>,
>(spec: RouteSpec<M, P, A, Pa, Qu, He, Bo, S, T, E, X>) {
  const { params, query, headers, body } = spec;
  const auth: Auth = spec.auth ?? 'public';
  const roles = ROLES[auth];
  const guard = roles ? requireRole(...roles) : auth === 'fan' ? requireCaller() : undefined;
  const [status, description, schema] = spec.response ?? [];
  const request: Request = {
    ...(params ? { params } : {}),
    ...(query ? { query } : {}),
    ...(headers ? { headers } : {}),
    ...(body ? { body: isZodType(body) ? { ...json(body), required: true } : body } : {}),
  };
  return createRoute({
    method: spec.method,
    path: spec.path,
    ...(spec.servers ? { servers: spec.servers } : {}),
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    ...(guard ? { middleware: [guard] } : {}),
    ...(auth === 'public' ? {} : { security: auth === 'optional' ? SIGN_IN_OPTIONAL : SIGNED_IN }),
    ...(Object.keys(request).length > 0 ? { request } : {}),
    responses: {
      ...(status === undefined ? {} : { [status]: { description, ...(schema ? json(schema) : {}) } }),
      ...errorResponses<number>(...GUARD_ERRORS[auth], ...(spec.errors ?? [])),
      ...spec.responses,
    },
  }) as unknown as BuiltRoute<M, P, RequestOf<Pa, Qu, He, Bo>, SuccessOf<S, T> & ErrorsOf<E | GuardErrorsOf<A>> & X>;
}

/** What createRoute would have returned for the same config (no `request` when none was given). */
type BuiltRoute<M, P extends string, R, Res> = {
  method: M;
  path: P;
  tags: string[];
  summary: string;
  description?: string;
  security?: Record<string, string[]>[];
  responses: Res;
  getRoutingPath(): string;
} & (keyof R extends never ? unknown : { request: R });

const isZodType = (value: unknown): value is ZodType => typeof value === 'object' && value !== null && '_zod' in value;
