/**
 * Fan-out paging: an artist's followers are walked in keyset pages (user id > cursor), one page per step and one
 * database round trip per step, each page split into deliver messages of a bounded size, the next step carrying
 * the cursor. Driven step by step here (the real queue runs the same function), with small pages so that a few
 * hundred followers take several steps. `npm run bench:notify-fanout` measures 100,000.
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { openHttpSql } from '#shared/db/client';
import type { NotificationDeliver, NotificationFanout } from '#shared/schemas/notifications';
import { createShow, eventIdOf, insertUsers, sql } from '../../../test/support/database';
import { fanoutStep } from '../src/notifications/fanout';

/** The HTTP SQL client, counting round trips (one per `transaction` or awaited `query`). */
function countingSql() {
  const inner = openHttpSql(env);
  let roundTrips = 0;
  const counted = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'transaction') {
        return (...args: Parameters<typeof inner.transaction>) => {
          roundTrips++;
          return target.transaction(...args);
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return { sql: counted, roundTrips: () => roundTrips };
}

describe('notification fan-out', () => {
  it('pages 250 followers in 3 steps of ≤ 100, one round trip each, into messages of ≤ 40 recipients, each follower once', async () => {
    const { artist, show } = await createShow();
    const followers = await insertUsers(250);
    const outsiders = await insertUsers(5);
    await sql().query('insert into follows (user_id, artist_id) select unnest($1::uuid[]), $2', [followers, artist.id]);
    const eventId = await eventIdOf(`show_announced:${show.id}`);
    const counter = countingSql();

    let step: NotificationFanout | undefined = {
      v: 2,
      type: 'fanout',
      eventId,
      trigger: { kind: 'show_announced', showId: show.id },
    };
    const delivered: NotificationDeliver[] = [];
    let steps = 0;
    while (step) {
      const result = await fanoutStep(counter.sql, step, 100, 40);
      steps++;
      delivered.push(...result.messages.filter((m): m is NotificationDeliver => m.type === 'deliver'));
      const next = result.messages.find((m): m is NotificationFanout => m.type === 'fanout');
      if (next)
        expect(next.after).toBe(
          result.messages
            .filter((m): m is NotificationDeliver => m.type === 'deliver')
            .at(-1)!
            .userIds.at(-1),
        );
      step = next;
      expect(steps).toBeLessThan(10);
    }
    expect(steps).toBe(3);
    expect(counter.roundTrips()).toBe(3);
    expect(delivered.map((m) => m.userIds.length)).toEqual([40, 40, 20, 40, 40, 20, 40, 10]);
    const everyone = delivered.flatMap((m) => m.userIds);
    expect(everyone).toEqual([...followers].sort());
    expect(new Set(everyone).size).toBe(250);
    expect(everyone.some((id) => outsiders.includes(id))).toBe(false);
    // Every message carries what the templates need, read once per step.
    expect(delivered[0]!.data).toMatchObject({ artistName: artist.name, showId: show.id });
  });

  it('stops after an exactly full last page with one empty step', async () => {
    const { artist, show } = await createShow();
    const followers = await insertUsers(100);
    await sql().query('insert into follows (user_id, artist_id) select unnest($1::uuid[]), $2', [followers, artist.id]);
    const first = await fanoutStep(
      openHttpSql(env),
      { v: 2, type: 'fanout', eventId: crypto.randomUUID(), trigger: { kind: 'voting_open', showId: show.id } },
      100,
      100,
    );
    const next = first.messages.find((m): m is NotificationFanout => m.type === 'fanout')!;
    expect(next).toBeDefined();
    const second = await fanoutStep(openHttpSql(env), next, 100, 100);
    expect(second).toEqual({ recipients: 0, messages: [] });
  });
});
