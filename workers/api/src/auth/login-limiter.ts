import { ApiError } from '#shared/errors';
import { rateLimiter, rateLimitHeaders } from '../rate-limit';

const WINDOW_MS = 15 * 60_000;
/** Failed log-ins allowed per account and per client address in 15 minutes. */
export const LOGIN_FAILURE_LIMITS = { account: 10, address: 100 } as const;

const keys = (email: string, ip: string | undefined) =>
  [
    { key: `login:account:${email}`, limit: LOGIN_FAILURE_LIMITS.account },
    { key: `login:ip:${ip ?? 'unknown'}`, limit: LOGIN_FAILURE_LIMITS.address },
  ] as const;

/**
 * Against password guessing: after 10 failed log-ins for one account (from anywhere) or 100 from one
 * address (across accounts) in 15 minutes, further attempts are refused — even with the right password,
 * or the limiter would be an oracle. Only failures count, so a fan typing correctly is never slowed.
 */
export async function assertLoginAllowed(env: Env, email: string, ip: string | undefined): Promise<void> {
  const decisions = await Promise.all(
    keys(email, ip).map(({ key, limit }) => rateLimiter(env, key).peek(limit, WINDOW_MS)),
  );
  const refused = decisions.find((d) => !d.allowed);
  if (refused) {
    throw new ApiError(
      429,
      'too_many_login_attempts',
      'Too many failed log-ins. Wait before trying again.',
      undefined,
      rateLimitHeaders(refused, WINDOW_MS / 1000),
    );
  }
}

export async function recordLoginFailure(env: Env, email: string, ip: string | undefined): Promise<void> {
  await Promise.all(keys(email, ip).map(({ key, limit }) => rateLimiter(env, key).hit(limit, WINDOW_MS)));
}
