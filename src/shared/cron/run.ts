/**
 * One runner for the workers' scheduled handlers: a table maps each cron expression to its jobs, which run in
 * order, each on its own. A failed job is logged and does not stop the jobs after it (each is idempotent, the
 * next run retries); the run then fails as a whole, so the platform records a failed invocation. A cron that is
 * not in the table is an error that names the known ones, never a silent fallback to some other job.
 */
import type { Logger } from '../log';

export interface CronJob<C> {
  /** Shown in the logs: `cron job ok` / `cron job failed` with `job: name`. */
  name: string;
  /** What it did (counts and such), logged with its outcome; nothing when there is nothing to say. */
  run(context: C): Promise<Record<string, unknown> | undefined>;
}

export type CronTable<C> = Readonly<Record<string, readonly CronJob<C>[]>>;

export interface CronJobOutcome {
  job: string;
  ok: boolean;
  durationMs: number;
}

export class UnknownCronError extends Error {
  constructor(cron: string, known: readonly string[]) {
    super(`No job is scheduled on cron "${cron}"; this worker's crons are: ${known.map((c) => `"${c}"`).join(', ')}`);
    this.name = 'UnknownCronError';
  }
}

export async function runCron<C>(
  table: CronTable<C>,
  cron: string,
  context: C,
  log: Logger,
): Promise<CronJobOutcome[]> {
  const jobs = table[cron];
  if (!jobs) {
    const err = new UnknownCronError(cron, Object.keys(table));
    log.error('unknown cron', { cron, known: Object.keys(table) });
    throw err;
  }
  const outcomes: CronJobOutcome[] = [];
  for (const job of jobs) {
    const started = Date.now();
    try {
      const result = await job.run(context);
      const durationMs = Date.now() - started;
      log.info('cron job ok', { job: job.name, durationMs, ...result });
      outcomes.push({ job: job.name, ok: true, durationMs });
    } catch (err) {
      const durationMs = Date.now() - started;
      log.warn('cron job failed', { job: job.name, durationMs, err });
      outcomes.push({ job: job.name, ok: false, durationMs });
    }
  }
  const failed = outcomes.filter((o) => !o.ok).map((o) => o.job);
  if (failed.length)
    throw new Error(`cron "${cron}": ${failed.length} of ${jobs.length} jobs failed (${failed.join(', ')})`);
  return outcomes;
}
