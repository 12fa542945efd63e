/**
 * Notification triggers end to end: real api worker, real NOTIFICATIONS queue and consumer, Postgres; only the
 * providers (Resend, Web Push services, Google OAuth + FCM) are faked, at the consumers' fetch boundary, with
 * recorded answers (test/fakes/providers).
 */

import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { enqueueSetlistPublished, enqueueShowAnnounced, fanoutMessage } from '#shared/notifications/enqueue';
import worker from '../src/index';
import { NOTIFICATIONS_CRON } from '../src/notifications/cron';
import {
  attemptsOf,
  browserSubscription,
  deliveriesOf,
  eventIdOf,
  insertUsers,
  providerRequests,
} from './notification-support';
import { api, createShow, eventually, signUp, signUpAs, sql, testDb } from './support';

type Account = Awaited<ReturnType<typeof signUp>>;

const follow = (who: Account, artistId: string) =>
  api(`/v1/me/follows/${artistId}`, { method: 'PUT', token: who.token });
const setPreferences = (who: Account, body: unknown) =>
  api('/v1/me/notification-preferences', { method: 'PUT', token: who.token, body: JSON.stringify(body) });

async function inboxOf(eventId: string): Promise<{ user_id: string; kind: string; data: Record<string, unknown> }[]> {
  return (await sql().query('select user_id, kind, data from notifications where event_id = $1 order by user_id', [
    eventId,
  ])) as never;
}

/** Waits until every delivery of the event has left the queued/sending/retrying states. */
async function settled(eventId: string, expected: number) {
  return eventually(async () => {
    const rows = await deliveriesOf(eventId);
    return rows.length === expected && rows.every((r) => !['queued', 'sending', 'retrying'].includes(r.status))
      ? rows
      : undefined;
  }, 20_000);
}

async function createShowAsAdmin(admin: Account, artistId: string, venueId: string, daysAhead = 20): Promise<string> {
  const res = await api('/v1/admin/shows', {
    method: 'POST',
    token: admin.token,
    body: JSON.stringify({ artistId, venueId, startsAt: new Date(Date.now() + daysAhead * 86_400_000).toISOString() }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function runCron() {
  const ctx = createExecutionContext();
  await worker.scheduled!(createScheduledController({ cron: NOTIFICATIONS_CRON, scheduledTime: Date.now() }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe('show announced (admin creates a show)', () => {
  it("notifies the artist's followers only, once each, on every channel they have, in their language", async () => {
    const { artist, venue } = await createShow();
    const [admin, plain, german, stranger] = await Promise.all([signUpAs('admin'), signUp(), signUp(), signUp()]);
    await Promise.all([follow(plain, artist.id), follow(german, artist.id)]);
    expect((await setPreferences(german, { locale: 'de-AT', timeZone: 'Europe/Berlin' })).status).toBe(200);
    const subscription = await browserSubscription();
    expect(
      (
        await api('/v1/me/push-subscriptions', {
          method: 'POST',
          token: german.token,
          body: JSON.stringify(subscription),
        })
      ).status,
    ).toBe(201);
    const fcmToken = `fcm-token-${crypto.randomUUID()}`;
    expect(
      (
        await api('/v1/me/push-subscriptions', {
          method: 'POST',
          token: german.token,
          body: JSON.stringify({ type: 'fcm', token: fcmToken }),
        })
      ).status,
    ).toBe(201);

    const showId = await createShowAsAdmin(admin, artist.id, venue.id);
    const eventId = await eventIdOf(`show_announced:${showId}`);
    const rows = await settled(eventId, 6);
    expect(rows.map((r) => [r.user_id, r.channel, r.status])).toEqual(
      [
        [plain.user.id, 'email', 'sent'],
        [plain.user.id, 'in_app', 'sent'],
        [german.user.id, 'email', 'sent'],
        [german.user.id, 'fcm', 'sent'],
        [german.user.id, 'in_app', 'sent'],
        [german.user.id, 'webpush', 'sent'],
      ].sort((a, b) => (a[0]! + a[1]!).localeCompare(b[0]! + b[1]!)),
    );
    expect(rows.some((r) => r.user_id === stranger.user.id || r.user_id === admin.user.id)).toBe(false);
    expect((await inboxOf(eventId)).map((n) => n.user_id).sort()).toEqual([plain.user.id, german.user.id].sort());

    // Email: Resend's JSON, German text, and the RFC 8058 one-click unsubscribe headers.
    const [mail] = await providerRequests('email', german.user.email);
    const sent = JSON.parse(mail!.body) as {
      to: string[];
      subject: string;
      text: string;
      headers: Record<string, string>;
    };
    expect(mail!.headers.authorization).toBe('Bearer re_test_only_key');
    expect(sent.to).toEqual([german.user.email]);
    expect(sent.subject).toBe(`${artist.name} hat ein Konzert angekündigt`);
    expect(sent.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(sent.headers['List-Unsubscribe']).toMatch(
      /^<http:\/\/mysetlist\.test\/v1\/unsubscribe\?token=[\w-]+\.[\w-]+>$/,
    );
    // Web Push: encrypted (aes128gcm) and VAPID-signed.
    const [push] = await providerRequests('webpush', subscription.endpoint);
    expect(push!.headers['content-encoding']).toBe('aes128gcm');
    expect(push!.headers.authorization).toMatch(/^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=/);
    // FCM v1: an OAuth token from the service account, then messages:send with the device token.
    const [fcm] = await providerRequests('fcm', fcmToken);
    expect(fcm!.url).toBe('https://fcm.googleapis.com/v1/projects/mysetlist-test/messages:send');
    expect(fcm!.headers.authorization).toBe('Bearer ya29.c.test-access-token');
    expect(
      (JSON.parse(fcm!.body) as { message: { token: string; notification: { title: string } } }).message,
    ).toMatchObject({
      token: fcmToken,
      notification: { title: `${artist.name} hat ein Konzert angekündigt` },
    });

    // The inbox renders in the reader's language.
    const inbox = (await (await api('/v1/me/notifications', { token: german.token })).json()) as {
      items: { title: string; kind: string }[];
      unread: number;
    };
    expect(inbox.items[0]).toMatchObject({
      kind: 'show_announced',
      title: `${artist.name} hat ein Konzert angekündigt`,
    });
    expect(inbox.unread).toBe(1);
  });

  it('sends nothing twice when the trigger is repeated or the queue delivers the fan-out twice', async () => {
    const { artist, venue } = await createShow();
    const [admin, fan] = await Promise.all([signUpAs('admin'), signUp()]);
    await follow(fan, artist.id);
    const showId = await createShowAsAdmin(admin, artist.id, venue.id);
    const eventId = await eventIdOf(`show_announced:${showId}`);
    await settled(eventId, 2);
    // The same trigger again records nothing new; the same queue message twice more (a duplicate delivery).
    expect(await enqueueShowAnnounced(testDb(), env.NOTIFICATIONS, showId)).toEqual({ eventId, created: false });
    const duplicate = fanoutMessage(eventId, { kind: 'show_announced', showId });
    await env.NOTIFICATIONS.send(duplicate, { contentType: 'json' });
    await env.NOTIFICATIONS.send(duplicate, { contentType: 'json' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await deliveriesOf(eventId)).toHaveLength(2);
    expect(await inboxOf(eventId)).toHaveLength(1);
    expect(await providerRequests('email', fan.user.email)).toHaveLength(1);
    expect(await attemptsOf(eventId, fan.user.id, 'email')).toEqual([
      { outcome: 'queued', http_status: null, attempt: 0 },
      { outcome: 'sent', http_status: 200, attempt: 1 },
    ]);
  });

  it('defers email and push during quiet hours (in the user’s zone) but fills the inbox at once', async () => {
    const { artist, venue } = await createShow();
    const [admin, sleeper] = await Promise.all([signUpAs('admin'), signUp()]);
    await follow(sleeper, artist.id);
    const now = new Date();
    const hhmm = (d: Date) =>
      `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    // Quiet from an hour ago until two hours from now, in UTC.
    await setPreferences(sleeper, {
      timeZone: 'UTC',
      quietHours: { start: hhmm(new Date(now.getTime() - 3_600_000)), end: hhmm(new Date(now.getTime() + 7_200_000)) },
    });
    const showId = await createShowAsAdmin(admin, artist.id, venue.id);
    const eventId = await eventIdOf(`show_announced:${showId}`);
    const rows = await settled(eventId, 2);
    const email = rows.find((r) => r.channel === 'email')!;
    expect(email.status).toBe('deferred');
    const waitMs = new Date(email.not_before!).getTime() - now.getTime();
    expect(waitMs).toBeGreaterThan(7_000_000);
    expect(waitMs).toBeLessThanOrEqual(7_260_000);
    expect(rows.find((r) => r.channel === 'in_app')!.status).toBe('sent');
    expect(await providerRequests('email', sleeper.user.email)).toHaveLength(0);
  });

  it('respects a channel turned off in the preferences', async () => {
    const { artist, venue } = await createShow();
    const [admin, fan] = await Promise.all([signUpAs('admin'), signUp()]);
    await follow(fan, artist.id);
    await setPreferences(fan, { kinds: { show_announced: { email: false } } });
    const showId = await createShowAsAdmin(admin, artist.id, venue.id);
    const rows = await settled(await eventIdOf(`show_announced:${showId}`), 1);
    expect(rows.map((r) => r.channel)).toEqual(['in_app']);
  });
});

describe('cron triggers: voting opens, the show starts', () => {
  it('tells followers when voting opens and voters when the show starts, once however often the cron runs', async () => {
    const opening = await createShow({ votingOpen: false });
    const starting = await createShow();
    const [follower, voter, bystander] = await Promise.all([signUp(), signUp(), signUp()]);
    await follow(follower, opening.artist.id);
    await follow(bystander, starting.artist.id); // follows, but did not vote: not told the show starts
    // Voting of `opening` opened a minute ago (after it was announced); `starting` began a minute ago.
    await sql().query(
      `update shows set voting_opens_at = now() - interval '1 minute', created_at = now() - interval '2 days' where id = $1`,
      [opening.show.id],
    );
    await sql().query(
      `update shows set starts_at = now() - interval '1 minute', voting_closes_at = now() where id = $1`,
      [starting.show.id],
    );
    const [song] = (await sql().query(
      `insert into setlist_songs (show_id, song_id, added_by) values ($1, $2, $3) returning id`,
      [starting.show.id, starting.songs[0]!.id, voter.user.id],
    )) as { id: string }[];
    await sql().query(
      `insert into votes (id, user_id, setlist_song_id, show_id, active, room_seq) values (gen_random_uuid(), $1, $2, $3, true, 1)`,
      [voter.user.id, song!.id, starting.show.id],
    );

    await runCron();
    await runCron();
    const opened = await eventIdOf(`voting_open:${opening.show.id}`);
    const started = await eventIdOf(`show_starting:${starting.show.id}`);
    const openedInbox = await eventually(async () => ((await inboxOf(opened)).length ? inboxOf(opened) : undefined));
    const startedInbox = await eventually(async () => ((await inboxOf(started)).length ? inboxOf(started) : undefined));
    expect(openedInbox.map((n) => n.user_id)).toEqual([follower.user.id]);
    expect(startedInbox.map((n) => n.user_id)).toEqual([voter.user.id]);
    await new Promise((r) => setTimeout(r, 800));
    const events = (await sql().query('select count(*)::int as n from notification_events where id = any($1::uuid[])', [
      [opened, started],
    ])) as { n: number }[];
    expect(events[0]!.n).toBe(2);
    expect(await inboxOf(opened)).toHaveLength(1);
    expect(await inboxOf(started)).toHaveLength(1);
  });

  it('re-sends a trigger that was recorded but never reached the queue (outbox)', async () => {
    const { artist, show } = await createShow();
    const fan = await signUp();
    await follow(fan, artist.id);
    const eventId = await eventIdOf(`show_announced:${show.id}`);
    await sql().query(
      `insert into notification_events (id, kind, subject, created_at) values ($1, 'show_announced', $2::jsonb, now() - interval '5 minutes')`,
      [eventId, JSON.stringify({ kind: 'show_announced', showId: show.id })],
    );
    await runCron();
    const inbox = await eventually(async () => ((await inboxOf(eventId)).length ? inboxOf(eventId) : undefined));
    expect(inbox.map((n) => n.user_id)).toEqual([fan.user.id]);
    const [event] = (await sql().query('select enqueued_at from notification_events where id = $1', [eventId])) as {
      enqueued_at: string | null;
    }[];
    expect(event!.enqueued_at).not.toBeNull();
  });
});

describe('setlist published', () => {
  it('tells each voter their own score, and nobody else', async () => {
    const { artist, show, songs } = await createShow();
    const [scored, unscored, follower] = await Promise.all([signUp(), signUp(), signUp()]);
    await follow(follower, artist.id);
    const [song] = (await sql().query(`insert into setlist_songs (show_id, song_id) values ($1, $2) returning id`, [
      show.id,
      songs[0]!.id,
    ])) as { id: string }[];
    for (const [i, voter] of [scored, unscored].entries()) {
      await sql().query(
        `insert into votes (id, user_id, setlist_song_id, show_id, active, room_seq) values (gen_random_uuid(), $1, $2, $3, true, $4)`,
        [voter.user.id, song!.id, show.id, i + 1],
      );
    }
    await sql().query(
      `insert into fan_scores (show_id, user_id, artist_id, points, songs_hit, songs_voted, show_starts_at) values ($1, $2, $3, 30, 2, 4, now())`,
      [show.id, scored.user.id, artist.id],
    );
    const { eventId } = await enqueueSetlistPublished(testDb(), env.NOTIFICATIONS, show.id);
    const inbox = await eventually(async () => ((await inboxOf(eventId)).length === 2 ? inboxOf(eventId) : undefined));
    expect(inbox.map((n) => n.user_id).sort()).toEqual([scored.user.id, unscored.user.id].sort());
    const mine = (await (await api('/v1/me/notifications', { token: scored.token })).json()) as {
      items: { body: string }[];
    };
    expect(mine.items[0]!.body).toBe('2 of the 4 songs you voted for were played: 30 points.');
    const theirs = (await (await api('/v1/me/notifications', { token: unscored.token })).json()) as {
      items: { body: string }[];
    };
    expect(theirs.items[0]!.body).toMatch(/^See what was played at /);
  });
});

describe('vote milestones', () => {
  it('tells the fan who added a song when it reaches 10 votes, exactly once even when the count dips and returns', async () => {
    const { show, songs } = await createShow();
    const adder = await signUp();
    const voters = await insertUsers(10);
    const setlistSongId = crypto.randomUUID();
    const base = { v: 1 as const, showId: show.id, setlistSongId, songId: songs[0]!.id };
    let seq = 1;
    const at = () => new Date().toISOString();
    const events: unknown[] = [
      { ...base, kind: 'song_added', eventId: crypto.randomUUID(), seq: seq++, at: at(), userId: adder.user.id },
    ];
    const votes = voters.map((userId) => ({ userId, voteId: crypto.randomUUID() }));
    for (const v of votes.slice(0, 9))
      events.push({ ...base, kind: 'vote', eventId: crypto.randomUUID(), seq: seq++, at: at(), ...v });
    await env.VOTE_EVENTS.sendBatch(events.map((body) => ({ body, contentType: 'json' as const })));
    await eventually(async () => {
      const [row] = (await sql().query('select vote_count from setlist_songs where id = $1', [setlistSongId])) as {
        vote_count: number;
      }[];
      return row?.vote_count === 9 ? true : undefined;
    });
    const eventId = await eventIdOf(`song_milestone:${setlistSongId}:10`);
    expect(await inboxOf(eventId)).toHaveLength(0);

    const tenth = votes[9]!;
    await env.VOTE_EVENTS.send(
      { ...base, kind: 'vote', eventId: crypto.randomUUID(), seq: seq++, at: at(), ...tenth },
      { contentType: 'json' },
    );
    const inbox = await eventually(async () => ((await inboxOf(eventId)).length ? inboxOf(eventId) : undefined));
    expect(inbox).toEqual([
      {
        user_id: adder.user.id,
        kind: 'song_milestone',
        data: expect.objectContaining({ milestone: 10, songTitle: songs[0]!.title }),
      },
    ]);

    // 10 → 9 → 10 again: the milestone was already reached, nobody hears about it twice.
    await env.VOTE_EVENTS.send(
      { ...base, kind: 'unvote', eventId: crypto.randomUUID(), seq: seq++, at: at(), ...tenth },
      { contentType: 'json' },
    );
    await env.VOTE_EVENTS.send(
      {
        ...base,
        kind: 'vote',
        eventId: crypto.randomUUID(),
        seq: seq++,
        at: at(),
        userId: tenth.userId,
        voteId: crypto.randomUUID(),
      },
      { contentType: 'json' },
    );
    await eventually(async () => {
      const [row] = (await sql().query('select vote_count from setlist_songs where id = $1', [setlistSongId])) as {
        vote_count: number;
      }[];
      return row?.vote_count === 10 ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 800));
    const events10 = (await sql().query(
      `select count(*)::int as n from notification_events where kind = 'song_milestone' and subject->>'setlistSongId' = $1`,
      [setlistSongId],
    )) as { n: number }[];
    expect(events10[0]!.n).toBe(1);
    expect(await inboxOf(eventId)).toHaveLength(1);
  });
});

describe('stuck deliveries', () => {
  it('the cron re-sends a delivery whose send message was lost', async () => {
    const fan = await signUp();
    const eventId = crypto.randomUUID();
    await sql().query(
      `insert into notification_deliveries (event_id, user_id, channel, kind, data, status, updated_at)
       values ($1, $2, 'email', 'show_announced', '{"artistName":"Lost Band","venueName":"Hall","city":"Bonn"}', 'queued', now() - interval '15 minutes')`,
      [eventId, fan.user.id],
    );
    await runCron();
    const rows = await settled(eventId, 1);
    expect(rows[0]!.status).toBe('sent');
    expect(await providerRequests('email', fan.user.email)).toHaveLength(1);
  });
});
