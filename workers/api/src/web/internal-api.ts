import type { Context } from 'hono';
import type { AppEnv, Caller } from '../app-env';

/** How the pages reach the `/v1` API: the api worker's own fetch handler, in-process (no network hop). */
export type ApiFetch = (
  request: Request,
  env: Env,
  ctx: Context<AppEnv>['executionCtx'] | undefined,
) => Promise<Response>;

export interface ApiFailure {
  ok: false;
  status: number;
  code: string;
  message: string;
  details?: unknown;
}
export type ApiResult<T> = { ok: true; status: number; data: T; response: Response } | ApiFailure;

/**
 * The API requests a page makes, by their Request object, with the caller the page already resolved: the API
 * takes the caller from here instead of looking the session up again, and does not count the request against
 * the rate limit (the page was counted once, render.tsx). A WeakMap of this isolate's objects, not a header:
 * nothing from outside can claim to be a page's request.
 */
const pageRequests = new WeakMap<Request, { caller: Caller | null }>();

/** The page this API request was made by, if any. */
export function pageRequestOf(request: Request): { caller: Caller | null } | undefined {
  return pageRequests.get(request);
}

/** Headers of the page request that the API needs to answer as it would answer the browser itself. */
const FORWARDED = ['Cookie', 'Authorization', 'User-Agent', 'CF-Connecting-IP', 'Accept-Language', 'X-Request-Id'];

/**
 * The pages are clients of the public API: the same validation, authorization, rate limits and response
 * cache apply, and a page can never show something the API would not give the same browser.
 */
export class InternalApi {
  constructor(
    private readonly c: Context<AppEnv>,
    private readonly fetchApi: ApiFetch,
  ) {}

  async send(method: string, path: string, body?: unknown, options: { anonymous?: boolean } = {}): Promise<Response> {
    const headers = new Headers();
    for (const name of options.anonymous ? ANONYMOUS_FORWARDED : FORWARDED) {
      const value = name === 'X-Request-Id' ? this.c.get('requestId') : this.c.req.header(name);
      if (value) headers.set(name, value);
    }
    if (body !== undefined) headers.set('Content-Type', 'application/json');
    const url = new URL(`/v1${path}`, this.c.req.url);
    let ctx: Context<AppEnv>['executionCtx'] | undefined;
    try {
      ctx = this.c.executionCtx;
    } catch {
      ctx = undefined; // app.request() without an execution context (tests)
    }
    const request = new Request(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    pageRequests.set(request, { caller: options.anonymous ? null : (this.c.get('caller') ?? null) });
    return this.fetchApi(request, this.c.env, ctx);
  }

  async call<T>(
    method: string,
    path: string,
    body?: unknown,
    options?: { anonymous?: boolean },
  ): Promise<ApiResult<T>> {
    const response = await this.send(method, path, body, options);
    if (response.status === 204) return { ok: true, status: 204, data: undefined as T, response };
    const parsed = (await response.json().catch(() => null)) as unknown;
    if (response.ok) return { ok: true, status: response.status, data: parsed as T, response };
    const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    return {
      ok: false,
      status: response.status,
      code: error?.code ?? 'unknown',
      message: error?.message ?? `The API answered ${response.status}.`,
      details: error?.details,
    };
  }

  get<T>(path: string): Promise<ApiResult<T>> {
    return this.call<T>('GET', path);
  }

  /**
   * A read whose answer is the same for every caller (a show, an artist, a venue), asked as an anonymous visitor
   * would ask it: the API's shared response cache answers it from memory instead of the database, for signed-in
   * pages too. Never for a route that answers a caller differently.
   */
  getShared<T>(path: string): Promise<ApiResult<T>> {
    return this.call<T>('GET', path, undefined, { anonymous: true });
  }
}

/** What an anonymous read forwards: no session cookie, no token (the other cookies would not change the answer). */
const ANONYMOUS_FORWARDED = FORWARDED.filter((name) => name !== 'Cookie' && name !== 'Authorization');

/** Thrown by a page when the API's answer decides the whole page (404, 401, 503): the page router renders it. */
export class PageError extends Error {
  constructor(readonly failure: ApiFailure) {
    super(failure.message);
  }
}

export function must<T>(result: ApiResult<T>): T {
  if (!result.ok) throw new PageError(result);
  return result.data;
}
