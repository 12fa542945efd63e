import { LRUCache } from 'lru-cache';
import { ApiError } from '#shared/errors';
import { SESSION_COOKIE } from '../auth/session-token';
import { recordIsolateRequest } from '../middleware/request-metrics';
import { RateLimitGate } from './gate';
import { type RateLimitDecision, rateLimitHeaders } from './index';

/**
 * A request of a key this isolate already refused (rate-limit/gate.ts: until the key's window ends) is answered
 * 429 here, before the app runs: no routing, middleware chain, session lookup, trace or access-log line, only a
 * few map lookups and a small JSON body. A flood from one client past its limit then costs the isolate next to
 * nothing. The answer is the one the app gives (middleware/rate-limit): same status, body and headers, because
 * its headers are copied from the last 429 the app itself rendered for the same Origin (security headers, CORS,
 * API-Version), with this request's id and the key's current RateLimit fields. The refusal is counted in the
 * isolate's request metrics (route `refused early`) instead of one log line each.
 *
 * Which requests: `/v1/…` except preflights (answered before the limiter) and WebSocket upgrades carrying
 * `?token=`. Anonymous ones by their address (the app's key for them); signed-in ones (Bearer or the session
 * cookie) only when the app refused that very token before (`rememberRefusedToken`): the token → user mapping
 * comes from the app's session lookup, never guessed here. Until then the app answers, as before. (A token signed
 * out meanwhile is still answered 429 rather than 401 until the window ends: the session is not looked up.)
 */

const REQUEST_ID_HEADER = 'X-Request-Id';
const VALID_INCOMING_ID = /^[A-Za-z0-9._:-]{8,100}$/;
/** Headers of one request or one moment, never copied from the template. */
const PER_REQUEST = [
  'x-request-id',
  'traceparent',
  'content-length',
  'retry-after',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'ratelimit-policy',
  'set-cookie',
];
const MAX_TEMPLATES = 32;

/** The app's 429 headers by request Origin ('' for none). */
const templates = new Map<string, [string, string][]>();
/** Session tokens the app refused, with the key it refused them under (`api:user:…`). */
const refusedTokens = new LRUCache<string, string>({ max: 10_000 });

export function limitsOf(env: Env): { limit: number; windowSeconds: number } {
  return {
    limit: Number(env.RATE_LIMIT_REQUESTS) || 1000,
    windowSeconds: Number(env.RATE_LIMIT_WINDOW_SECONDS) || 60,
  };
}

export function rateLimitedError(env: Env, decision: RateLimitDecision): ApiError {
  const { limit, windowSeconds } = limitsOf(env);
  const headers = rateLimitHeaders(decision, windowSeconds);
  return new ApiError(
    429,
    'rate_limited',
    `Too many requests: at most ${limit} per ${windowSeconds} s. Retry after ${headers['Retry-After']} s.`,
    undefined,
    headers,
  );
}

/** The app refused this session token under `key`: later requests with it may be refused here. */
export function rememberRefusedToken(token: string, key: string): void {
  refusedTokens.set(token, key);
}

function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return start < 0 ? '/' : url.slice(start);
}

function sessionCookie(cookie: string | null): string | undefined {
  if (!cookie) return undefined;
  const at = cookie.indexOf(`${SESSION_COOKIE}=`);
  if (at < 0 || (at > 0 && cookie[at - 1] !== ' ' && cookie[at - 1] !== ';')) return undefined;
  const start = at + SESSION_COOKIE.length + 1;
  const end = cookie.indexOf(';', start);
  const value = cookie.slice(start, end < 0 ? undefined : end).trim();
  return value || undefined;
}

/** The app's rate-limit key of this request when it can be told here; undefined: let the app decide. */
function keyOf(request: Request): string | undefined {
  if (request.method === 'OPTIONS') return undefined;
  const path = pathOf(request.url);
  if (!path.startsWith('/v1/')) return undefined;
  const authorization = request.headers.get('Authorization');
  const token = authorization?.startsWith('Bearer ')
    ? authorization.slice('Bearer '.length).trim()
    : sessionCookie(request.headers.get('Cookie'));
  if (token) return refusedTokens.get(token);
  if (path.includes('token=')) return undefined;
  return `api:ip:${request.headers.get('CF-Connecting-IP') ?? 'unknown'}`;
}

/** The 429 for this request when its key is refused in this isolate and the app's headers are known; else undefined. */
export function earlyRefusal(request: Request, env: Env): Response | undefined {
  if (templates.size === 0) return undefined;
  const template = templates.get(request.headers.get('Origin') ?? '');
  if (!template) return undefined;
  const key = keyOf(request);
  if (!key) return undefined;
  const { limit, windowSeconds } = limitsOf(env);
  const decision = new RateLimitGate(env, key, limit, windowSeconds * 1000).refusedLocally();
  if (!decision) return undefined;
  const incoming = request.headers.get(REQUEST_ID_HEADER);
  const requestId = incoming && VALID_INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID();
  const error = rateLimitedError(env, decision);
  const headers = new Headers(template);
  headers.set(REQUEST_ID_HEADER, requestId);
  for (const [name, value] of Object.entries(error.headers ?? {})) headers.set(name, value);
  return new Response(JSON.stringify(error.toBody(requestId)), { status: 429, headers });
}

/** Keeps the headers of a 429 the app rendered for a `/v1` request, for `earlyRefusal` to answer with. */
export function learnRefusal(request: Request, response: Response): void {
  if (response.status !== 429 || !pathOf(request.url).startsWith('/v1/')) return;
  const origin = request.headers.get('Origin') ?? '';
  if (templates.has(origin)) return;
  if (templates.size >= MAX_TEMPLATES) templates.clear();
  templates.set(
    origin,
    [...response.headers].filter(([name]) => !PER_REQUEST.includes(name.toLowerCase())),
  );
}

type FetchHandler = (request: Request, env: Env, ctx: ExecutionContext) => Response | Promise<Response>;

/** The worker's fetch: refused early when it can be (`earlyRefusal`), else the app, whose 429s are learnt from. */
export function withEarlyRefusal(fetch: FetchHandler): FetchHandler {
  return (request, env, ctx) => {
    const refused = earlyRefusal(request, env);
    if (refused) {
      recordIsolateRequest(env, ctx, 'refused early', 429, 0);
      return refused;
    }
    return Promise.resolve(fetch(request, env, ctx)).then((response) => {
      learnRefusal(request, response);
      return response;
    });
  };
}

/** Forgets what was learnt (tests: a fresh isolate). */
export function clearEarlyRefusals(): void {
  templates.clear();
  refusedTokens.clear();
}
