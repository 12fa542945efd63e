/**
 * Every cron expression of every worker, by worker and job: the one source of truth for the workers' scheduled
 * handlers, the dev scheduler (scripts/dev.ts) and the `[triggers] crons` of each wrangler.toml, which must repeat
 * them (test/node/wrangler-config.test.ts fails when a wrangler.toml and this table disagree).
 */
export const CRONS = {
  'mysetlist-api': {
    /** Expired sessions, analytics partitions, retention and rollups, artist similarity. */
    hourly: '17 * * * *',
    /** Trending recompute, then show forecasts, then cache warming. */
    trending: '*/10 * * * *',
    /** Voting opened, show started, outbox re-send. */
    notifications: '*/5 * * * *',
    /** The vote anomaly detector. */
    anomalies: '* * * * *',
  },
  'mysetlist-queue-consumers': {
    /** Actual setlists of shows that just ended (docs/ingestion.md). */
    setlists: '*/30 * * * *',
    /** Refresh of every imported artist. */
    artistRefresh: '41 4 * * *',
  },
} as const satisfies Record<string, Record<string, string>>;

export type CronWorker = keyof typeof CRONS;

/** Every cron expression of one worker, in table order. */
export function cronsOf(worker: CronWorker): string[] {
  return Object.values(CRONS[worker]);
}
