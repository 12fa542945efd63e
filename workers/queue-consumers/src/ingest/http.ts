/**
 * The one way provider clients make a request: take a token from the provider's bucket, send, retry 429 and
 * 5xx answers (and network errors) with exponential backoff or the provider's `Retry-After`, validate the
 * JSON with zod, all inside the provider's circuit breaker. `fetch` and `sleep` are injected so that tests
 * serve recorded responses and need not wait.
 */
import type { z } from 'zod';
import type { Logger } from '#shared/log';
import type { ProviderBreaker } from './breaker';
import type { Provider, RateLimiter, Sleep } from './rate-limit';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpDeps {
  fetch: FetchLike;
  limiter: RateLimiter;
  breakerFor(provider: Provider): ProviderBreaker;
  sleep: Sleep;
  log?: Logger;
  /** Attempts per call, the first included (default 4). */
  maxAttempts?: number;
  /** The longest in-process wait for a retry (default 30 s); a longer Retry-After defers the whole step. */
  maxWaitMs?: number;
  /** First backoff step when the provider gives no Retry-After (default 500 ms, doubled each attempt). */
  backoffBaseMs?: number;
}

/** A non-2xx answer the retries could not get past. */
export class ProviderHttpError extends Error {
  override readonly name = 'ProviderHttpError';
  constructor(
    readonly provider: Provider,
    readonly status: number,
    readonly path: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(`${provider} answered ${status} for ${path}`);
  }
}

/** The provider asked us to wait longer than a queue step should sleep: the step is retried later. */
export class ProviderRetryLaterError extends Error {
  override readonly name = 'ProviderRetryLaterError';
  constructor(
    readonly provider: Provider,
    readonly retryAfterSeconds: number,
  ) {
    super(`${provider} asked to retry after ${retryAfterSeconds} s`);
  }
}

/** The answer was not the documented shape: nothing from it is written. */
export class ProviderPayloadError extends Error {
  override readonly name = 'ProviderPayloadError';
  constructor(
    readonly provider: Provider,
    readonly path: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(
      `${provider} sent a malformed payload for ${path}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
  }
}

/** What counts against the breaker: the provider failing, not a bad request or a bad payload. */
export function isProviderOutage(err: unknown): boolean {
  if (err instanceof ProviderHttpError) return err.status >= 500 || err.status === 429;
  if (err instanceof ProviderPayloadError || err instanceof ProviderRetryLaterError) return false;
  return true; // network errors: fetch rejects with a TypeError or similar
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), if it has a usable value. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

const retryable = (status: number) => status === 429 || status >= 500;

export interface RequestOptions {
  init?: RequestInit;
  /** A 404 means "nothing found" for this endpoint (setlist.fm searches): resolve to null. */
  notFoundIsEmpty?: boolean;
}

export async function requestJson<S extends z.ZodType>(
  deps: HttpDeps,
  provider: Provider,
  url: string,
  schema: S,
  options: RequestOptions = {},
): Promise<z.infer<S> | null> {
  const path = new URL(url).pathname;
  const maxAttempts = deps.maxAttempts ?? 4;
  const maxWaitMs = deps.maxWaitMs ?? 30_000;
  const backoffBase = deps.backoffBaseMs ?? 500;
  const attemptOnce = async (): Promise<Response> => {
    for (let attempt = 1; ; attempt++) {
      await deps.limiter.acquire(provider);
      let response: Response;
      try {
        response = await deps.fetch(url, options.init);
      } catch (err) {
        if (attempt >= maxAttempts) throw err;
        deps.log?.warn('provider request failed; retrying', { provider, path, attempt, err });
        await deps.sleep(backoffBase * 2 ** (attempt - 1));
        continue;
      }
      if (!retryable(response.status)) return response;
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
      await response.body?.cancel();
      if (attempt >= maxAttempts) throw new ProviderHttpError(provider, response.status, path, retryAfter);
      const waitMs = retryAfter !== undefined ? retryAfter * 1000 : backoffBase * 2 ** (attempt - 1);
      if (waitMs > maxWaitMs) throw new ProviderRetryLaterError(provider, Math.ceil(waitMs / 1000));
      deps.log?.info('provider asked to slow down; retrying', {
        provider,
        path,
        status: response.status,
        attempt,
        waitMs,
      });
      await deps.sleep(waitMs);
    }
  };
  const response = await deps.breakerFor(provider).run(attemptOnce, isProviderOutage);
  if (response.status === 404 && options.notFoundIsEmpty) {
    await response.body?.cancel();
    return null;
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ProviderHttpError(provider, response.status, path);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new ProviderPayloadError(provider, path, [{ path: '', message: 'not JSON' }]);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    deps.log?.error('provider payload rejected by schema', { provider, path, issues });
    throw new ProviderPayloadError(provider, path, issues);
  }
  return parsed.data;
}
