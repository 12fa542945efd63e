/** The cron runner: jobs in order, each on its own, outcomes logged, unknown crons refused by name. */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import { type CronTable, runCron, UnknownCronError } from './run';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({}, { level: 'debug', sink: (line) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

describe('runCron', () => {
  it('runs the jobs of the cron in order and logs each outcome with what it returned', async () => {
    const ran: string[] = [];
    const table: CronTable<null> = {
      '*/5 * * * *': [
        {
          name: 'first',
          run: async () => {
            ran.push('first');
            return { count: 2 };
          },
        },
        {
          name: 'second',
          run: async () => {
            ran.push('second');
            return undefined;
          },
        },
      ],
      '* * * * *': [
        {
          name: 'other',
          run: async () => {
            ran.push('other');
            return undefined;
          },
        },
      ],
    };
    const { log, lines } = capture();
    const outcomes = await runCron(table, '*/5 * * * *', null, log);
    expect(ran).toEqual(['first', 'second']);
    expect(outcomes.map((o) => [o.job, o.ok])).toEqual([
      ['first', true],
      ['second', true],
    ]);
    expect(lines.find((l) => l.job === 'first')).toMatchObject({ msg: 'cron job ok', count: 2 });
  });

  it('keeps going after a failed job, logs the failure, then fails the run naming it', async () => {
    const ran: string[] = [];
    const table: CronTable<null> = {
      '17 * * * *': [
        { name: 'breaks', run: async () => Promise.reject(new Error('database down')) },
        {
          name: 'still runs',
          run: async () => {
            ran.push('still runs');
            return undefined;
          },
        },
      ],
    };
    const { log, lines } = capture();
    await expect(runCron(table, '17 * * * *', null, log)).rejects.toThrow(/1 of 2 jobs failed \(breaks\)/);
    expect(ran).toEqual(['still runs']);
    expect(lines.find((l) => l.job === 'breaks')).toMatchObject({ msg: 'cron job failed', level: 'warn' });
  });

  it('refuses a cron that is not in the table, naming the known ones, and runs nothing', async () => {
    let ran = false;
    const table: CronTable<null> = {
      '17 * * * *': [
        {
          name: 'hourly',
          run: async () => {
            ran = true;
            return undefined;
          },
        },
      ],
    };
    const { log, lines } = capture();
    const run = runCron(table, '0 0 * * *', null, log);
    await expect(run).rejects.toBeInstanceOf(UnknownCronError);
    await expect(run).rejects.toThrow(
      'No job is scheduled on cron "0 0 * * *"; this worker\'s crons are: "17 * * * *"',
    );
    expect(ran).toBe(false);
    expect(lines).toMatchObject([{ level: 'error', msg: 'unknown cron', cron: '0 0 * * *' }]);
  });
});
