/** The dev cron scheduler (scripts/dev-crons.ts): it requests the local manual trigger for each cron on schedule. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { allCrons, startDevCrons } from '../../scripts/dev-crons';
import { CRONS } from '../../src/shared/cron/schedule';

let server: Server | undefined;
afterEach(() => server?.close());

async function triggerServer(status: number) {
  const requests: URL[] = [];
  server = createServer((req, res) => {
    requests.push(new URL(req.url ?? '/', 'http://local'));
    res.writeHead(status).end(status === 200 ? 'ok' : 'exception');
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { requests, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('the dev cron scheduler', () => {
  it('schedules every distinct cron of every worker', () => {
    const all = Object.values(CRONS).flatMap((jobs) => Object.values<string>(jobs));
    expect(allCrons().sort()).toEqual([...new Set(all)].sort());
    const scheduler = startDevCrons({ baseUrl: 'http://127.0.0.1:9', log: () => {} });
    try {
      const next = scheduler.nextRuns();
      expect(next.map((n) => n.cron).sort()).toEqual(allCrons().sort());
      // UTC, as Cloudflare runs them: the hourly job's next run is at minute 17.
      expect(next.find((n) => n.cron === '17 * * * *')!.next!.getUTCMinutes()).toBe(17);
    } finally {
      scheduler.stop();
    }
  });

  it('requests /cdn-cgi/handler/scheduled with the cron and its scheduled time when it is due', async () => {
    const { requests, baseUrl } = await triggerServer(200);
    const runs: { cron: string; status: number }[] = [];
    const scheduler = startDevCrons({ baseUrl, crons: ['* * * * * *'], log: () => {}, onRun: (r) => runs.push(r) });
    try {
      await expect.poll(() => runs.length, { timeout: 3000 }).toBeGreaterThan(0);
    } finally {
      scheduler.stop();
    }
    expect(requests[0]!.pathname).toBe('/cdn-cgi/handler/scheduled');
    expect(requests[0]!.searchParams.get('cron')).toBe('* * * * * *');
    expect(Number(requests[0]!.searchParams.get('time')) % 1000).toBe(0);
    expect(runs[0]).toMatchObject({ cron: '* * * * * *', status: 200 });
  });

  it('logs a failed run', async () => {
    const { baseUrl } = await triggerServer(500);
    const lines: string[] = [];
    const scheduler = startDevCrons({ baseUrl, crons: ['* * * * * *'], log: (l) => lines.push(l) });
    try {
      await expect.poll(() => lines.length, { timeout: 3000 }).toBeGreaterThan(0);
    } finally {
      scheduler.stop();
    }
    expect(lines[0]).toContain('cron "* * * * * *" failed (500 exception)');
  });
});
