/**
 * One step of the imports queue, whoever runs it (the queue consumer, or the CLI running steps in process),
 * and what to do when it fails.
 */
import type { ImportStep } from '#shared/schemas/ingest';
import { importActualSetlist, type SetlistHooks } from './actual-setlist';
import { ProviderCircuitOpenError } from './breaker';
import type { IngestContext } from './context';
import { ProviderHttpError, ProviderPayloadError, ProviderRetryLaterError } from './http';
import { ArtistNotFoundError, ImportNotFoundError, runArtistStep, runCatalogStep, runShowsStep } from './import-steps';

/** Runs the step and returns the steps that follow it. */
export async function runImportStep(
  ctx: IngestContext,
  step: ImportStep,
  hooks: SetlistHooks,
  options: { retried?: boolean } = {},
): Promise<ImportStep[]> {
  switch (step.step) {
    case 'artist':
      return runArtistStep(ctx, step.importId);
    case 'catalog':
      return runCatalogStep(ctx, step.importId, step.offset);
    case 'shows':
      return runShowsStep(ctx, step.importId, step.page);
    case 'setlist':
      await importActualSetlist(ctx, step.showId, hooks, options);
      return [];
  }
}

export type FailureAction =
  /** The provider asked for a pause, or its circuit is open: retry the step after this many seconds. */
  | { kind: 'retry_after'; seconds: number }
  /** Might work next time (provider 5xx/429 after retries, network, database): retry with the queue's backoff. */
  | { kind: 'retry' }
  /** Will fail the same way again (malformed payload, unknown artist, 4xx): the import fails, the message is dropped. */
  | { kind: 'fail' };

export function failureAction(err: unknown): FailureAction {
  if (err instanceof ProviderRetryLaterError || err instanceof ProviderCircuitOpenError)
    return { kind: 'retry_after', seconds: err.retryAfterSeconds };
  if (err instanceof ProviderPayloadError || err instanceof ArtistNotFoundError || err instanceof ImportNotFoundError)
    return { kind: 'fail' };
  if (err instanceof ProviderHttpError)
    return err.status >= 500 || err.status === 429 ? { kind: 'retry' } : { kind: 'fail' };
  return { kind: 'retry' };
}

export const importIdOf = (step: ImportStep): string | undefined => ('importId' in step ? step.importId : undefined);
