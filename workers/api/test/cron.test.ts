/** The api worker's scheduled(): the table of cron → jobs, through the worker in workerd. */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { CRONS } from '#shared/cron/schedule';
import * as schema from '#shared/db/schema';
import { API_CRON_JOBS } from '../src/cron/jobs';
import worker from '../src/index';
import { signUp, testDb, uniqueEmail } from './support';

describe("the api worker's cron table", () => {
  it('has jobs for exactly the crons of #shared/cron/schedule (and so of wrangler.toml)', () => {
    expect(Object.keys(API_CRON_JOBS).sort()).toEqual(Object.values(CRONS['mysetlist-api']).sort());
    for (const jobs of Object.values(API_CRON_JOBS)) expect(jobs.length).toBeGreaterThan(0);
  });

  it('answers an unknown cron with an error that names the known ones, and runs no job', async () => {
    const user = await signUp({ email: uniqueEmail() });
    const [expired] = await testDb()
      .insert(schema.sessions)
      .values({ userId: user.user.id, tokenHash: crypto.randomUUID(), expiresAt: new Date(Date.now() - 3_600_000) })
      .returning();
    const ctx = createExecutionContext();
    // Before the table, any unknown expression fell through to the hourly housekeeping.
    await expect(
      worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: '0 0 1 1 *' }), env, ctx),
    ).rejects.toThrow(/No job is scheduled on cron "0 0 1 1 \*"; this worker's crons are: .*"17 \* \* \* \*"/);
    await waitOnExecutionContext(ctx);
    expect(await testDb().select().from(schema.sessions).where(eq(schema.sessions.id, expired!.id))).toHaveLength(1);
  });

  it('runs every cron of the table through scheduled() without a failed job', async () => {
    for (const cron of Object.values(CRONS['mysetlist-api'])) {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron }), env, ctx);
      await waitOnExecutionContext(ctx);
    }
  });
});
