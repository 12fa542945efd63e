import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { eventually, signUp, sql } from './support';

describe('queues', () => {
  it('delivers a notification event to its consumer, once even when sent twice', async () => {
    const [a, b] = await Promise.all([signUp(), signUp()]);
    const message = {
      v: 1,
      eventId: crypto.randomUUID(),
      kind: 'show_announced',
      userIds: [a.user.id, b.user.id],
      data: { showId: crypto.randomUUID() },
    };
    await env.NOTIFICATIONS.send(message, { contentType: 'json' });
    await env.NOTIFICATIONS.send(message, { contentType: 'json' });
    const rows = await eventually(async () => {
      const found = (await sql().query('select user_id, kind from notifications where event_id = $1 order by user_id', [
        message.eventId,
      ])) as { user_id: string; kind: string }[];
      return found.length === 2 ? found : undefined;
    });
    expect(rows.map((r) => r.user_id).sort()).toEqual([a.user.id, b.user.id].sort());
    // Give the duplicate time to be consumed, then check it added nothing.
    await new Promise((r) => setTimeout(r, 300));
    const after = (await sql().query('select count(*)::int as n from notifications where event_id = $1', [
      message.eventId,
    ])) as { n: number }[];
    expect(after[0]!.n).toBe(2);
  });

  it('delivers analytics events in a batch to their consumer', async () => {
    const ids = Array.from({ length: 10 }, () => crypto.randomUUID());
    await env.ANALYTICS.sendBatch(
      ids.map((eventId) => ({
        body: { v: 1, eventId, kind: 'page_view', at: new Date().toISOString(), data: { path: '/' } },
        contentType: 'json' as const,
      })),
    );
    const n = await eventually(async () => {
      const rows = (await sql().query(
        'select count(*)::int as n from analytics_events where event_id = any($1::uuid[])',
        [ids],
      )) as { n: number }[];
      return rows[0]!.n === 10 ? 10 : undefined;
    });
    expect(n).toBe(10);
  });
});
