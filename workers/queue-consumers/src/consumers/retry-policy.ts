import type { NeonQueryFunction } from '@neondatabase/serverless';
import type { z } from 'zod';
import { sqlState } from '#shared/db/errors';
import type { Logger } from '#shared/log';

/**
 * Whether retrying the same statement can succeed later: connection loss, overload, deadlock or
 * serialization failures can; a constraint or data error will fail again the same way (a poison message).
 */
export function isTransient(err: unknown): boolean {
  const state = sqlState(err);
  if (!state) return true; // network errors from the driver carry no SQLSTATE
  return /^(08|53|57|58|40)/.test(state);
}

/** Exponential backoff in seconds for a message on its n-th attempt, capped at 5 minutes. */
export function backoffSeconds(attempts: number, baseSeconds = 1): number {
  return Math.min(300, Math.round(baseSeconds * 2 ** Math.max(0, attempts - 1)));
}

/** What every consumer gets: one HTTP SQL client for the batch, a logger, and the retry policy. */
export interface ConsumerDeps {
  sql: NeonQueryFunction<false, false>;
  log: Logger;
  retryDelaySeconds(attempts: number): number;
}

/**
 * A message its schema refused: logged with its first issues and retried with backoff, so that past the queue's
 * retry limit it lands in the dead-letter queue, where it can be read and replayed.
 */
export function retryRejected(
  message: Message<unknown>,
  what: string,
  error: z.ZodError,
  deps: Pick<ConsumerDeps, 'log' | 'retryDelaySeconds'>,
): void {
  deps.log.error(`${what} rejected by schema`, {
    messageId: message.id,
    attempts: message.attempts,
    issues: error.issues.slice(0, 5),
  });
  message.retry({ delaySeconds: deps.retryDelaySeconds(message.attempts) });
}
