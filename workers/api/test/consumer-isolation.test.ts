/**
 * One bad message never takes good ones down: through the real ANALYTICS and NOTIFICATIONS queues and their
 * consumers, a message with text Postgres cannot store is cleaned and stored, and one that Postgres refuses
 * is retried and dead-lettered alone while its batch neighbours are stored.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AnalyticsEvent, NotificationEvent } from '#shared/schemas/events';
import { createShow, eventually, signUp, sql } from './support';

function analyticsEvent(kind: string, fields: Partial<AnalyticsEvent> = {}): AnalyticsEvent {
  return { v: 1, eventId: crypto.randomUUID(), kind, at: new Date().toISOString(), data: {}, ...fields };
}

const storedEvents = async (ids: string[]) =>
  (await sql().query(`select event_id, data from analytics_events where event_id = any($1::uuid[])`, [ids])) as {
    event_id: string;
    data: Record<string, unknown>;
  }[];

const deadLettersOf = async (queue: string, key: string, value: string) =>
  (await sql().query(`select body from dead_letters where queue = $1 and body->>$2 = $3`, [queue, key, value])) as {
    body: Record<string, unknown>;
  }[];

describe('analytics consumer', () => {
  it('stores a search click whose query holds a NUL (cleaned) with its batch, and dead-letters only what Postgres refuses', async () => {
    const { show } = await createShow();
    const before = analyticsEvent('page_view', { data: { path: '/a' } });
    const nulClick = analyticsEvent('search_click', {
      data: { query: 'ab\u0000cd', type: 'artist', id: crypto.randomUUID() },
    });
    // Passes the schema (an integer), but not Postgres' int column: a poison only Postgres can tell.
    const poison = analyticsEvent('room_presence', { showId: show.id, data: { sockets: 3_000_000_000 } });
    const after = analyticsEvent('page_view', { data: { path: '/b' } });
    const batch = [before, nulClick, poison, after];
    await env.ANALYTICS.sendBatch(batch.map((body) => ({ body, contentType: 'json' as const })));

    const stored = await eventually(async () => {
      const rows = await storedEvents([before.eventId, nulClick.eventId, after.eventId]);
      return rows.length === 3 ? rows : undefined;
    }, 15_000);
    expect(stored.find((r) => r.event_id === nulClick.eventId)?.data).toMatchObject({ query: 'abcd' });

    const dead = await eventually(async () => {
      const rows = await deadLettersOf('mysetlist-analytics', 'eventId', poison.eventId);
      return rows.length ? rows : undefined;
    }, 20_000);
    expect(dead).toHaveLength(1);
    for (const good of [before, nulClick, after])
      expect(await deadLettersOf('mysetlist-analytics', 'eventId', good.eventId)).toEqual([]);
    const presence = (await sql().query(`select sockets from room_presence where show_id = $1`, [show.id])) as [];
    expect(presence).toEqual([]);
  });
});

describe('dead-letter consumer', () => {
  it('records a dead letter whose body holds a NUL (spelled out as \\u0000), and its neighbours', async () => {
    const { show } = await createShow();
    // Both are refused by Postgres' int column and dead-lettered; one also carries text jsonb cannot hold.
    const nulPoison = analyticsEvent('room_presence', {
      showId: show.id,
      data: { sockets: 3_000_000_000, note: 'a\u0000b' },
    });
    const poison = analyticsEvent('room_presence', { showId: show.id, data: { sockets: 3_000_000_001 } });
    await env.ANALYTICS.sendBatch([nulPoison, poison].map((body) => ({ body, contentType: 'json' as const })));
    for (const letter of [nulPoison, poison]) {
      const dead = await eventually(async () => {
        const rows = await deadLettersOf('mysetlist-analytics', 'eventId', letter.eventId);
        return rows.length ? rows : undefined;
      }, 20_000);
      expect(dead).toHaveLength(1);
    }
    const [nul] = await deadLettersOf('mysetlist-analytics', 'eventId', nulPoison.eventId);
    expect((nul!.body as { data: { note: string } }).data.note).toBe('a\\u0000b');
  });
});

describe('notifications consumer', () => {
  it('delivers an inbox notification whose data holds a NUL (cleaned) instead of dead-lettering it', async () => {
    const fan = await signUp();
    const event: NotificationEvent = {
      v: 1,
      eventId: crypto.randomUUID(),
      kind: 'show_announced',
      userIds: [fan.user.id],
      data: { artistName: 'Nul\u0000band' },
    };
    const neighbour: NotificationEvent = { ...event, eventId: crypto.randomUUID(), data: { artistName: 'Fine' } };
    await env.NOTIFICATIONS.sendBatch([event, neighbour].map((body) => ({ body, contentType: 'json' as const })));
    const rows = await eventually(async () => {
      const r = (await sql().query(
        `select event_id, data from notifications where event_id = any($1::uuid[]) and user_id = $2`,
        [[event.eventId, neighbour.eventId], fan.user.id],
      )) as { event_id: string; data: Record<string, unknown> }[];
      return r.length === 2 ? r : undefined;
    }, 15_000);
    expect(rows.find((r) => r.event_id === event.eventId)?.data).toEqual({ artistName: 'Nulband' });
    expect(await deadLettersOf('mysetlist-notifications', 'eventId', event.eventId)).toEqual([]);
  });
});
