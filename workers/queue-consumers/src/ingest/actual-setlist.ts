/**
 * The setlist job for one show: import the actual setlist, then tell whoever scores shows that it is final.
 * The hook is a dependency (the integrator wires it to the scoring/finalisation code); it must be idempotent,
 * because a step whose hook failed is retried and then calls it again for the version already written.
 */
import type { IngestContext } from './context';
import { runSetlistStep, type SetlistOutcome } from './setlist-step';

export interface SetlistHooks {
  onActualSetlistFinal(showId: string): Promise<void>;
}

export async function importActualSetlist(
  ctx: IngestContext,
  showId: string,
  hooks: SetlistHooks,
  options: { retried?: boolean } = {},
): Promise<SetlistOutcome> {
  const outcome = await runSetlistStep(ctx, showId);
  if (outcome.kind === 'written' || (outcome.kind === 'current' && options.retried))
    await hooks.onActualSetlistFinal(showId);
  return outcome;
}
