import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { songs as songs_, users } from '#shared/db/schema';
import type { VoteEvent } from '#shared/schemas/events';
import { addSong, castVote } from './setlist-support';
import { api, createShow, eventually, relayFaults, signUp, sql, testDb } from './support';

async function voteRows(setlistSongId: string) {
  const rows = (await sql().query(
    `select (select count(*)::int from votes where setlist_song_id = $1) as total,
            (select count(*)::int from votes where setlist_song_id = $1 and active) as active,
            (select vote_count from setlist_songs where id = $1) as vote_count`,
    [setlistSongId],
  )) as { total: number; active: number; vote_count: number | null }[];
  return rows[0]!;
}

/** Waits until the song's vote rows satisfy `done`: those rows. */
function rowsWhen(setlistSongId: string, done: (rows: Awaited<ReturnType<typeof voteRows>>) => boolean) {
  return eventually(async () => {
    const rows = await voteRows(setlistSongId);
    return done(rows) ? rows : undefined;
  });
}

function event<K extends VoteEvent['kind']>(
  kind: K,
  fields: Omit<Extract<VoteEvent, { kind: K }>, 'v' | 'kind' | 'eventId' | 'at'>,
): VoteEvent {
  return { v: 1, kind, eventId: crypto.randomUUID(), at: new Date().toISOString(), ...fields } as VoteEvent;
}

/** Which show, setlist entry and song a vote event is about. */
type VoteTarget = { showId: string; setlistSongId: string; songId: string };

/** A vote event with a fresh vote id: `userId`'s vote for `target`, at room sequence `seq`. */
function voteEvent(target: VoteTarget, userId: string, seq: number): VoteEvent {
  return event('vote', { ...target, seq, userId, voteId: crypto.randomUUID() });
}

/** A new show and `count` new fans, each with a vote (not sent yet) for the same new song on its setlist. */
async function fanVotes(count: number) {
  const { show, songs } = await createShow();
  const fans = await Promise.all(Array.from({ length: count }, () => signUp()));
  const setlistSongId = crypto.randomUUID();
  const base = { showId: show.id, setlistSongId, songId: songs[0]!.id };
  const events = fans.map((fan, i) => voteEvent(base, fan.user.id, i + 1));
  return { setlistSongId, events };
}

/** Sends the events to the vote queue as the room does; resolves once `active` votes of the song are in Postgres. */
async function persisted(events: VoteEvent[], setlistSongId: string, active: number) {
  await env.VOTE_EVENTS.sendBatch(events.map((body) => ({ body, contentType: 'json' as const })));
  return rowsWhen(setlistSongId, (r) => r.active === active);
}

/** A new show, two new fans, and the event of the first one adding a new song to its setlist. */
async function twoFansAndANewSong() {
  const { show, songs } = await createShow();
  const fans = await Promise.all([signUp(), signUp()]);
  const setlistSongId = crypto.randomUUID();
  const base = { showId: show.id, setlistSongId, songId: songs[0]!.id };
  const added = event('song_added', { ...base, seq: 1, userId: fans[0].user.id });
  return { first: fans[0], second: fans[1], setlistSongId, base, added };
}

describe('votes reach Postgres through the outbox, the queue and the consumer', () => {
  it('persists exactly the room state: rows and per-song counts', async () => {
    const { show, songs } = await createShow();
    const fans = await Promise.all(Array.from({ length: 20 }, () => signUp()));
    const setlistSongId = await addSong(show.id, songs[0]!.id, fans[0]!.token);
    const statuses = await Promise.all(
      fans.map(async (fan) => (await castVote(show.id, setlistSongId, fan.token)).status),
    );
    expect(statuses.every((s) => s === 201)).toBe(true);
    for (const fan of fans.slice(0, 3)) {
      expect(
        (await api(`/v1/shows/${show.id}/votes/${setlistSongId}`, { method: 'DELETE', token: fan.token })).status,
      ).toBe(204);
    }
    const persisted = await rowsWhen(setlistSongId, (r) => r.total === 20 && r.active === 17 && r.vote_count === 17);
    expect(persisted).toEqual({ total: 20, active: 17, vote_count: 17 });
    const room = (await (await api(`/v1/shows/${show.id}/setlist`)).json()) as { songs: { votes: number }[] };
    expect(room.songs[0]!.votes).toBe(17);
    const added = (await sql().query('select added_by from setlist_songs where id = $1', [setlistSongId])) as {
      added_by: string;
    }[];
    expect(added[0]!.added_by).toBe(fans[0]!.user.id);
  });

  it('ends in the same state whatever the delivery order, with duplicates', async () => {
    const { first: fan, second: marker, setlistSongId, base, added } = await twoFansAndANewSong();
    const cast = voteEvent(base, fan.user.id, 2);
    const retracted = event('unvote', {
      ...base,
      seq: 3,
      userId: fan.user.id,
      voteId: (cast as { voteId: string }).voteId,
    });
    const markerVote = voteEvent(base, marker.user.id, 4);

    // The retraction first, then the vote it retracts, then everything again.
    await env.VOTE_EVENTS.send(retracted, { contentType: 'json' });
    await env.VOTE_EVENTS.sendBatch([cast, added].map((body) => ({ body, contentType: 'json' as const })));
    await env.VOTE_EVENTS.sendBatch(
      [added, cast, retracted, markerVote].map((body) => ({ body, contentType: 'json' as const })),
    );

    const final = await eventually(async () => {
      const rows = (await sql().query(
        `select user_id, active, room_seq::int as seq from votes where setlist_song_id = $1 order by room_seq`,
        [setlistSongId],
      )) as { user_id: string; active: boolean; seq: number }[];
      return rows.length === 2 && rows[1]!.seq === 4 ? rows : undefined;
    });
    expect(final).toEqual([
      { user_id: fan.user.id, active: false, seq: 3 },
      { user_id: marker.user.id, active: true, seq: 4 },
    ]);
    expect(await voteRows(setlistSongId)).toEqual({ total: 2, active: 1, vote_count: 1 });
  });

  it('accepts events as the JSON text the room sends, and as objects (dead-letter replays)', async () => {
    const { first: fan, second: other, setlistSongId, base, added } = await twoFansAndANewSong();
    const asText = voteEvent(base, fan.user.id, 2);
    const asObject = voteEvent(base, other.user.id, 3);

    await env.VOTE_EVENTS.sendBatch([
      { body: JSON.stringify(added), contentType: 'text' as const },
      { body: JSON.stringify(asText), contentType: 'text' as const },
      { body: asObject, contentType: 'json' as const },
    ]);

    const rows = await rowsWhen(setlistSongId, (r) => r.total === 2);
    expect(rows).toEqual({ total: 2, active: 2, vote_count: 2 });
  });

  it('isolates one poison in a batch of 64 by halving it: every good vote in, a handful of transactions', async () => {
    const { show, songs } = await createShow();
    const fans = await Promise.all(Array.from({ length: 8 }, () => signUp()));
    const setlistSongId = crypto.randomUUID();
    const target = { showId: show.id, setlistSongId, songId: songs[0]!.id };
    const good = Array.from({ length: 63 }, (_, i) => voteEvent(target, fans[i % fans.length]!.user.id, i + 1));
    // The foreign key refuses its setlist entry (no such song): only Postgres can tell.
    const ghost = { showId: show.id, setlistSongId: crypto.randomUUID(), songId: crypto.randomUUID() };
    const poison = voteEvent(ghost, fans[0]!.user.id, 100);
    const transactions = async () => {
      const stats = (await (await fetch(`http://${env.DB_RELAY}/__relay/stats`)).json()) as {
        byStatement: Record<string, number>;
      };
      return Object.entries(stats.byStatement)
        .filter(([key]) => key.startsWith('insert into users (id, email'))
        .reduce((n, [, count]) => n + count, 0);
    };
    const before = await transactions();
    const batch = [...good.slice(0, 40), poison, ...good.slice(40)];
    await env.VOTE_EVENTS.sendBatch(batch.map((body) => ({ body, contentType: 'json' as const })));
    // 8 fans on one song: one row per fan, the last event of each.
    await eventually(async () => ((await voteRows(setlistSongId)).total === 8 ? true : undefined), 20_000);
    await eventually(async () => {
      const rows = (await sql().query(`select 1 from dead_letters where body->>'voteId' = $1`, [
        (poison as { voteId: string }).voteId,
      ])) as unknown[];
      return rows.length ? true : undefined;
    }, 20_000);
    // The batch, then halves down to the poison (about 2 × log2(64)), then its retries alone: far fewer than 64.
    expect(await transactions()).toBeLessThan(before + 25);
  });

  it('sends a poison message to the dead-letter queue alone, and replay applies it once fixed', async () => {
    const { show, songs, artist } = await createShow();
    const [fan, admin] = await Promise.all([signUp(), signUp()]);
    await testDb().update(users).set({ role: 'admin' }).where(eq(users.id, admin.user.id));
    const setlistSongId = crypto.randomUUID();
    const ghostSetlistSongId = crypto.randomUUID();
    const ghostSongId = crypto.randomUUID(); // no such song yet: the foreign key refuses its setlist entry
    const good = voteEvent({ showId: show.id, setlistSongId, songId: songs[0]!.id }, fan.user.id, 1);
    const poison = voteEvent(
      { showId: show.id, setlistSongId: ghostSetlistSongId, songId: ghostSongId },
      fan.user.id,
      2,
    );
    await env.VOTE_EVENTS.sendBatch([good, poison].map((body) => ({ body, contentType: 'json' as const })));

    // The good neighbour is applied even though its batch contained the poison message.
    await eventually(async () => ((await voteRows(setlistSongId)).active === 1 ? true : undefined));
    const dead = await eventually(async () => {
      const rows = (await sql().query(`select queue, body from dead_letters where body->>'voteId' = $1`, [
        (poison as { voteId: string }).voteId,
      ])) as { queue: string; body: VoteEvent }[];
      return rows[0];
    }, 20_000);
    expect(dead.queue).toBe('mysetlist-vote-events');
    expect(dead.body).toEqual(poison);

    // Only admins may replay.
    expect((await api('/v1/admin/dead-letters/replay', { method: 'POST', token: fan.token, body: '{}' })).status).toBe(
      403,
    );
    const listed = (await (await api('/v1/admin/dead-letters', { token: admin.token })).json()) as {
      items: { body: unknown }[];
    };
    expect(listed.items.map((i) => i.body)).toContainEqual(poison);

    // Fix the cause (the song now exists), then replay.
    await testDb().insert(songs_).values({ id: ghostSongId, artistId: artist.id, title: 'Ghost song' });
    const replay = await api('/v1/admin/dead-letters/replay', {
      method: 'POST',
      token: admin.token,
      body: JSON.stringify({ queue: 'mysetlist-vote-events' }),
    });
    expect(replay.status).toBe(200);
    expect(((await replay.json()) as { replayed: number }).replayed).toBeGreaterThanOrEqual(1);
    const fixed = await rowsWhen(ghostSetlistSongId, (r) => r.active === 1);
    expect(fixed).toEqual({ total: 1, active: 1, vote_count: 1 });
  });

  it('keeps an acked vote whose fan is gone from Postgres, anonymously, instead of dead-lettering it', async () => {
    const { show, songs } = await createShow();
    const fan = await signUp();
    const setlistSongId = crypto.randomUUID();
    const ghostUserId = crypto.randomUUID(); // a user row removed by hand after the room acked the vote
    const base = { showId: show.id, setlistSongId, songId: songs[0]!.id };
    const events = [voteEvent(base, fan.user.id, 1), voteEvent(base, ghostUserId, 2)];
    const rows = await persisted(events, setlistSongId, 2);
    expect(rows).toEqual({ total: 2, active: 2, vote_count: 2 });
    const [ghost] = await testDb().select().from(users).where(eq(users.id, ghostUserId));
    expect(ghost).toMatchObject({ displayName: 'Deleted fan', email: `deleted-${ghostUserId}@deleted.invalid` });
    expect(ghost!.deletedAt).not.toBeNull();
  });

  it('persists a vote id reused in another show as a vote of that show (the key is per show)', async () => {
    const [a, b] = await Promise.all([createShow(), createShow()]);
    const fan = await signUp();
    const voteId = crypto.randomUUID();
    const setlistSongIds: string[] = [];
    for (const { show, songs } of [a, b]) {
      const setlistSongId = await addSong(show.id, songs[0]!.id, fan.token);
      setlistSongIds.push(setlistSongId);
      const res = await api(`/v1/shows/${show.id}/votes`, {
        method: 'POST',
        token: fan.token,
        body: JSON.stringify({ setlistSongId, voteId }),
      });
      expect(res.status).toBe(201);
    }
    const both = await eventually(async () => {
      const rows = (await sql().query('select show_id from votes where id = $1 and active order by show_id', [
        voteId,
      ])) as { show_id: string }[];
      return rows.length === 2 ? rows : undefined;
    }, 15_000);
    expect(both.map((r) => r.show_id).sort()).toEqual([a.show.id, b.show.id].sort());
    for (const id of setlistSongIds) expect(await voteRows(id)).toEqual({ total: 1, active: 1, vote_count: 1 });
  });

  it('persists votes while milestones and analytics cannot be written (they follow, in their own transaction)', async () => {
    const { setlistSongId, events } = await fanVotes(3);
    // Every write of analytics rows fails, for far longer than the consumer's retry budget.
    await relayFaults({ failSql: 1000, match: 'insert into analytics_events' });
    try {
      const rows = await persisted(events, setlistSongId, 3);
      expect(rows).toEqual({ total: 3, active: 3, vote_count: 3 });
    } finally {
      await relayFaults({ failSql: 0 });
    }
  });

  it("keeps a dead letter through a database outage longer than the dead-letter consumer's first retries", async () => {
    const { show, songs } = await createShow();
    const fan = await signUp();
    const setlistSongId = crypto.randomUUID();
    const lost = voteEvent({ showId: show.id, setlistSongId, songId: songs[0]!.id }, fan.user.id, 1);
    await relayFaults({ down: true });
    try {
      // The vote consumer spends its retries (3 here, no delay) and dead-letters the event; the dead-letter
      // consumer cannot record it while Postgres is down. A default budget (3 immediate retries) loses it.
      await env.VOTE_EVENTS.send(lost, { contentType: 'json' });
      await new Promise((r) => setTimeout(r, 5000));
    } finally {
      await relayFaults({ down: false });
    }
    const dead = await eventually(async () => {
      const rows = (await sql().query(`select queue from dead_letters where body->>'voteId' = $1`, [
        (lost as { voteId: string }).voteId,
      ])) as { queue: string }[];
      return rows[0];
    }, 20_000);
    expect(dead.queue).toBe('mysetlist-vote-events');
  });

  it('survives a consumer that fails twice (database unreachable) and leaves exactly one row per vote', async () => {
    const { setlistSongId, events } = await fanVotes(5);
    // The consumer's next two round trips fail as if Postgres were down; the batch is retried whole.
    await relayFaults({ failSql: 2, match: 'insert into votes' });
    const rows = await persisted(events, setlistSongId, 5);
    expect(rows).toEqual({ total: 5, active: 5, vote_count: 5 });
    // Both injected failures were spent on the consumer's writes.
    const stats = (await (await fetch(`http://${env.DB_RELAY}/__relay/stats`)).json()) as {
      faults: { failSql: number };
    };
    expect(stats.faults.failSql).toBe(0);
    const dead = (await sql().query(`select count(*)::int as n from dead_letters where body->>'setlistSongId' = $1`, [
      setlistSongId,
    ])) as { n: number }[];
    expect(dead[0]!.n).toBe(0);
  });
});
