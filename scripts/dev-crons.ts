/**
 * The cron scheduler of `npm run dev`: wrangler's local runtime triggers no cron, so this runs every cron of every
 * worker (#shared/cron/schedule) on its schedule, in UTC as Cloudflare does, by requesting the local manual trigger
 * `/cdn-cgi/handler/scheduled?cron=…` (the dev gateway sends it to the worker that owns the cron). A run that is
 * still going when its next time comes is skipped, not doubled. `MYSETLIST_DEV_CRONS=off` turns it off
 * (benchmarks and browser tests do, so that no job runs in the middle of a measurement).
 */
import { Cron } from 'croner';
import { CRONS } from '#shared/cron/schedule';

export interface DevCronRun {
  cron: string;
  scheduledTime: Date;
  status: number;
  body: string;
  durationMs: number;
}

export interface DevCronOptions {
  baseUrl: string;
  log: (line: string) => void;
  /** Each finished run; the scheduler itself logs only failures (the workers log every job). */
  onRun?: (run: DevCronRun) => void;
  /** Crons to schedule; default: every distinct cron of the table. */
  crons?: readonly string[];
}

export function allCrons(): string[] {
  return [...new Set(Object.values(CRONS).flatMap((jobs) => Object.values<string>(jobs)))];
}

/** Asks the local stack to run `cron` now, as if scheduled at `scheduledTime`; resolves with the answer. */
export async function triggerCron(baseUrl: string, cron: string, scheduledTime: Date): Promise<DevCronRun> {
  const started = performance.now();
  const url = `${baseUrl}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(cron)}&time=${scheduledTime.getTime()}`;
  const res = await fetch(url);
  const body = await res.text();
  return { cron, scheduledTime, status: res.status, body, durationMs: Math.round(performance.now() - started) };
}

export function startDevCrons(opts: DevCronOptions): {
  stop(): void;
  nextRuns(): { cron: string; next: Date | null }[];
} {
  const jobs = (opts.crons ?? allCrons()).map(
    (cron) =>
      new Cron(cron, { timezone: 'UTC', protect: true }, async (self: Cron) => {
        const scheduledTime = self.currentRun() ?? new Date();
        try {
          const run = await triggerCron(opts.baseUrl, cron, scheduledTime);
          if (run.status !== 200) opts.log(`cron "${cron}" failed (${run.status} ${run.body}); see the workers' log`);
          opts.onRun?.(run);
        } catch (err) {
          opts.log(`cron "${cron}" could not be triggered: ${err instanceof Error ? err.message : String(err)}`);
        }
      }),
  );
  return {
    stop: () => {
      for (const job of jobs) job.stop();
    },
    nextRuns: () => jobs.map((job) => ({ cron: job.getPattern() ?? '', next: job.nextRun() })),
  };
}
