/**
 * The manual cron trigger of the local stack: `/cdn-cgi/handler/scheduled?cron=…` runs that cron's jobs on the
 * worker that owns it (through the dev gateway; wrangler alone answered 500 "exception" for the api worker).
 */
import { describe, expect, inject, it } from 'vitest';
import { triggerCron } from '../../scripts/dev-crons';
import { CRONS } from '../../src/shared/cron/schedule';

describe('the manual cron trigger of npm run dev', () => {
  const baseUrl = inject('baseUrl');
  const crons = Object.entries(CRONS).flatMap(([worker, jobs]) => Object.values<string>(jobs).map((c) => [worker, c]));

  it.each(crons)('%s runs "%s"', async (_worker, cron) => {
    const run = await triggerCron(baseUrl, cron, new Date());
    expect(`${run.status} ${run.body}`).toBe('200 ok');
  });

  it('fails on a cron no worker runs', async () => {
    const run = await triggerCron(baseUrl, '0 0 1 1 *', new Date());
    expect(run.status).toBe(500);
  });
});
