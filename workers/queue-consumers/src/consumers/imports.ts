/**
 * The imports queue: artist imports split into steps, and the setlist job (docs/ingestion.md). Each message
 * is one idempotent step; a step's follow-ups are sent before the step is acknowledged, so a crash in
 * between redelivers the step, which then finds itself done and passes the chain on again.
 */
import { openDatabase, type PrimaryDatabase } from '#shared/db/client';
import { sendRecordedTrigger } from '#shared/notifications/enqueue';
import { ImportStep } from '#shared/schemas/ingest';
import type { SetlistHooks } from '../ingest/actual-setlist';
import { providerClients } from '../ingest/clients';
import { providerConfig } from '../ingest/config';
import type { IngestContext, IngestDb } from '../ingest/context';
import { markImportFailed, noteImportRetry } from '../ingest/import-steps';
import { realSleep } from '../ingest/rate-limit';
import { failureAction, importIdOf, runImportStep } from '../ingest/run-step';
import { durableRateLimiter } from '../provider-rate-limiter';
import { finalizeImportedSetlist } from './finalize-imported-setlist';
import type { ConsumerDeps } from './retry-policy';

export async function consumeImports(
  batch: MessageBatch<unknown>,
  env: Env,
  deps: ConsumerDeps,
  hooksFor: (db: PrimaryDatabase) => SetlistHooks = (db) => finalizeImportedSetlist(env, db, deps),
): Promise<void> {
  const { log } = deps;
  const config = providerConfig(env);
  const handle = openDatabase(env, (err) => log.warn('database pool error', { err }));
  const primary = handle.db.$primary;
  const db: IngestDb = primary;
  const hooks = hooksFor(primary);
  try {
    for (const message of batch.messages) {
      // One message at a time: whatever one step throws (even while recording its failure), the others of the
      // batch are still run and acked, and only that one is retried.
      try {
        await consumeOne(message);
      } catch (err) {
        log.error('import step crashed; retrying it alone', { err, messageId: message.id });
        message.retry({ delaySeconds: deps.retryDelaySeconds(message.attempts) });
      }
    }
  } finally {
    await handle.close();
  }

  async function consumeOne(message: Message<unknown>): Promise<void> {
    const parsed = ImportStep.safeParse(message.body);
    if (!parsed.success) {
      log.error('import step rejected by schema', { messageId: message.id });
      message.ack(); // nothing can make it valid; the log keeps it
      return;
    }
    const step = parsed.data;
    const importId = importIdOf(step);
    if (!config.ok) {
      const error = `provider secrets missing: ${config.missing.join(', ')}`;
      log.error('import cannot run', { error, step: step.step });
      if (importId) await markImportFailed(db, importId, error);
      message.ack();
      return;
    }
    const ctx: IngestContext = {
      db,
      log: log.child({ step: step.step, importId }),
      ...providerClients(config.config, {
        fetch: (input, init) => fetch(input, init),
        limiter: durableRateLimiter(env.PROVIDER_RATE_LIMITER, realSleep),
        log,
        breakerCooldownMs: cooldownMs(env),
      }),
      announceShows: (showIds) => announceShows(showIds, ctx.log),
    };
    try {
      const next = await runImportStep(ctx, step, hooks, { retried: message.attempts > 1 });
      if (next.length) await env.IMPORTS.sendBatch(next.map((body) => ({ body })));
      message.ack();
    } catch (err) {
      const action = failureAction(err);
      const text = err instanceof Error ? err.message : String(err);
      if (action.kind === 'fail') {
        log.error('import step failed for good', { err, step });
        if (importId)
          await markImportFailed(db, importId, text).catch((e: unknown) =>
            log.warn('could not mark the import failed', { err: e }),
          );
        message.ack();
        return;
      }
      const delaySeconds = action.kind === 'retry_after' ? action.seconds : deps.retryDelaySeconds(message.attempts);
      log.warn('import step will be retried', { err, step, delaySeconds, attempts: message.attempts });
      if (importId) await noteImportRetry(db, importId, text).catch(() => {});
      message.retry({ delaySeconds });
    }
  }

  /**
   * New shows of a shows step: their announcements were recorded with them, so the fan-out goes out the way a show
   * created by an admin is announced. A failed send never fails the step (it committed): the notifications
   * cron's outbox sweep sends what is left.
   */
  async function announceShows(showIds: string[], stepLog: typeof log): Promise<void> {
    for (const showId of showIds) {
      try {
        await sendRecordedTrigger(primary, env.NOTIFICATIONS, { kind: 'show_announced', showId });
      } catch (err) {
        stepLog.warn('show announcement not enqueued; the notifications cron will send it', { err, showId });
      }
    }
  }
}

function cooldownMs(env: Env): number | undefined {
  const seconds = Number(env.PROVIDER_BREAKER_COOLDOWN_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}
