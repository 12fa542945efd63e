/**
 * The queue-consumers worker's cron jobs (docs/ingestion.md; crons from #shared/cron/schedule): each only enqueues
 * import steps, which the imports consumer runs. Both are idempotent, so a doubled run is harmless.
 */
import type { CronTable } from '#shared/cron/run';
import { CRONS } from '#shared/cron/schedule';
import type { ImportStep } from '#shared/schemas/ingest';
import type { IngestDb } from '../ingest/context';
import { refreshSteps, setlistSteps } from '../ingest/cron';

export interface IngestCronContext {
  db: IngestDb;
  imports: Queue;
  scheduledTime: Date;
}

async function enqueue(imports: Queue, steps: ImportStep[]): Promise<{ steps: number }> {
  // sendBatch takes at most 100 messages.
  for (let i = 0; i < steps.length; i += 100)
    await imports.sendBatch(steps.slice(i, i + 100).map((body) => ({ body })));
  return { steps: steps.length };
}

const CONSUMERS = CRONS['mysetlist-queue-consumers'];

export const INGEST_CRON_JOBS: CronTable<IngestCronContext> = {
  [CONSUMERS.setlists]: [
    {
      name: 'setlist lookups',
      run: async ({ db, imports, scheduledTime }) => enqueue(imports, await setlistSteps(db, scheduledTime)),
    },
  ],
  [CONSUMERS.artistRefresh]: [
    { name: 'artist refresh', run: async ({ db, imports }) => enqueue(imports, await refreshSteps(db)) },
  ],
};
