import { ApiError } from '#shared/errors';
import { type RateLimitDecision, rateLimiter, rateLimitHeaders } from '../rate-limit';

const WINDOW_MS = 15 * 60_000;
/** Failed log-ins allowed per account and per client address in 15 minutes. */
export const LOGIN_FAILURE_LIMITS = { account: 10, address: 100 } as const;
/** Wrong current passwords (`/me/password`) or second factors (`/me/mfa/disable`) allowed per account in 15 minutes. */
export const REAUTH_FAILURE_LIMIT = 10;

interface Counter {
  key: string;
  limit: number;
}

/** A reserved attempt: give it back when it succeeded, so that only failures count. */
export interface Attempt {
  succeeded(): Promise<void>;
}

/**
 * Counts the attempt first, atomically in each key's RateLimiter object, and only then decides: checking and
 * counting in two calls let any number of guesses sent at once all pass the check before the first one was
 * counted. Refused when any key is at its limit (keys that had counted it give it back). The caller calls
 * `succeeded()` on success, so a fan typing correctly is never slowed; a failure simply stays counted.
 */
async function reserveAttempt(env: Env, counters: Counter[], refuse: (d: RateLimitDecision) => ApiError) {
  const decisions = await Promise.all(counters.map(({ key, limit }) => rateLimiter(env, key).hit(limit, WINDOW_MS)));
  const release = (which: (d: RateLimitDecision) => boolean) =>
    Promise.all(
      counters.flatMap(({ key }, i) => (which(decisions[i]!) ? [rateLimiter(env, key).release(WINDOW_MS)] : [])),
    ).then(() => undefined);
  const refused = decisions.find((d) => !d.allowed);
  if (refused) {
    await release((d) => d.allowed);
    throw refuse(refused);
  }
  return { succeeded: () => release(() => true) } satisfies Attempt;
}

/**
 * Against password guessing: after 10 failed log-ins for one account (from anywhere) or 100 from one
 * address (across accounts) in 15 minutes, further attempts are refused — even with the right password,
 * or the limiter would be an oracle.
 */
export function reserveLoginAttempt(env: Env, email: string, ip: string | undefined): Promise<Attempt> {
  return reserveAttempt(
    env,
    [
      { key: `login:account:${email}`, limit: LOGIN_FAILURE_LIMITS.account },
      { key: `login:ip:${ip ?? 'unknown'}`, limit: LOGIN_FAILURE_LIMITS.address },
    ],
    (refused) =>
      new ApiError(
        429,
        'too_many_login_attempts',
        'Too many failed log-ins. Wait before trying again.',
        undefined,
        rateLimitHeaders(refused, WINDOW_MS / 1000),
      ),
  );
}

/**
 * A stolen session must not become a way to guess the account's password or second factor: the current password
 * of `/me/password` and the code of `/me/mfa/disable` get the same atomic attempt limit, per account.
 */
export function reserveReauthAttempt(env: Env, userId: string, what: 'password' | 'second-factor'): Promise<Attempt> {
  return reserveAttempt(env, [{ key: `reauth:${what}:${userId}`, limit: REAUTH_FAILURE_LIMIT }], (refused) => {
    return new ApiError(
      429,
      'too_many_attempts',
      what === 'password'
        ? 'Too many wrong passwords. Wait before trying again.'
        : 'Too many wrong codes. Wait before trying again.',
      undefined,
      rateLimitHeaders(refused, WINDOW_MS / 1000),
    );
  });
}
