import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ROOM_HEADERS, type ShowRoomStub, showRoomStub } from '#shared/room-rpc';
import { relayFaults } from '../../../test/support/database';
import type { ShowRoom } from '../src/show-room';
import { fixtureWithSong, sql } from './support';

/** The room's stub as its class (it has more methods than the api's ShowRoomRpc: the fan-out tier's). */
const roomObject = (stub: ShowRoomStub) => stub as unknown as DurableObjectStub<ShowRoom>;

describe('ShowRoom', () => {
  it('rebuilds from its own storage after eviction, without asking Postgres', async () => {
    const { showId, fans, room, setlistSongId } = await fixtureWithSong();
    for (const fan of fans) expect((await room.vote(showId, fan, setlistSongId, crypto.randomUUID())).ok).toBe(true);

    await abortAllDurableObjects(); // the instance and its memory are gone
    await relayFaults({ down: true }); // and Postgres is unreachable: only the room's storage can answer
    try {
      const view = await showRoomStub(env.SHOW_ROOM, showId).setlist(showId, fans[1]!.userId);
      if (!view.ok) throw new Error(view.error.message);
      expect(view.value.songs).toEqual([expect.objectContaining({ setlistSongId, votes: 3 })]);
      expect(view.value.myVotes).toEqual([setlistSongId]);
      const again = await showRoomStub(env.SHOW_ROOM, showId).vote(
        showId,
        fans[1]!,
        setlistSongId,
        crypto.randomUUID(),
      );
      expect(again).toMatchObject({ ok: false, error: { code: 'already_voted' } });
    } finally {
      await relayFaults({ down: false });
    }
  });

  it('never hands out an event seq twice when the instance goes before it saved the latest one', async () => {
    const { showId, fans, room, setlistSongId } = await fixtureWithSong();
    for (const fan of fans.slice(0, 2))
      expect((await room.vote(showId, fan, setlistSongId, crypto.randomUUID())).ok).toBe(true);
    const lastSeq = (state: DurableObjectState) =>
      state.storage.sql.exec<{ n: number }>('select max(changed_seq) as n from setlist').one().n;
    // The seq is saved lazily: the instance goes with the stored value behind its last event.
    const used = await runInDurableObject(roomObject(room), (_instance: ShowRoom, state) => {
      state.storage.sql.exec(`update meta set value = '0' where key = 'eventSeq'`);
      return lastSeq(state);
    });
    await runInDurableObject(roomObject(room), (_instance: ShowRoom, state) => {
      state.abort('evicted by the test');
    }).catch(() => {});
    expect(used).toBeGreaterThan(0);
    const woken = showRoomStub(env.SHOW_ROOM, showId);
    expect((await woken.vote(showId, fans[2]!, setlistSongId, crypto.randomUUID())).ok).toBe(true);
    const next = await runInDurableObject(roomObject(woken), (_instance: ShowRoom, state) => lastSeq(state));
    expect(next).toBe(used + 1);
  });

  it('writes each accepted vote and its outbox event in the same transaction, before answering', async () => {
    const { showId, fans, room, setlistSongId } = await fixtureWithSong();
    const voteId = crypto.randomUUID();
    await runInDurableObject(roomObject(room), async (instance: ShowRoom, state) => {
      const result = await instance.vote(showId, fans[0]!, setlistSongId, voteId);
      expect(result).toMatchObject({ ok: true, value: { votes: 1 } });
      // No macrotask (alarm, drain) can run between the answer and these reads.
      const vote = state.storage.sql
        .exec<{ vote_id: string; active: number }>('select vote_id, active from votes')
        .toArray();
      expect(vote).toEqual([{ vote_id: voteId, active: 1 }]);
      const outbox = state.storage.sql
        .exec<{ body: string }>('select body from outbox order by seq desc limit 1')
        .toArray();
      expect(JSON.parse(outbox[0]!.body)).toMatchObject({ kind: 'vote', voteId, userId: fans[0]!.userId, showId });
    });
    // The outbox then drains through the queue to Postgres.
    for (let i = 0; i < 200; i++) {
      const rows = (await sql().query('select count(*)::int as n from votes where id = $1 and active', [voteId])) as {
        n: number;
      }[];
      if (rows[0]!.n === 1) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the vote never reached Postgres');
  });

  it('keeps broadcasting while the queue refuses its outbox, and delivers every event once it accepts again', async () => {
    const { showId, fans, room, setlistSongId } = await fixtureWithSong();
    const res = await room.fetch('http://room/live', {
      headers: { Upgrade: 'websocket', [ROOM_HEADERS.showId]: showId },
    });
    const watcher = res.webSocket!;
    watcher.accept();
    type Message = { type: string; changes?: { setlistSongId: string; votes: number }[] };
    const updates: Message[] = [];
    watcher.addEventListener('message', (e) => {
      const msg = JSON.parse(e.data as string) as Message;
      if (msg.type === 'update') updates.push(msg);
    });
    // An event the queue refuses (over its 128 KB message limit) at the head of the outbox: every batch fails.
    await runInDurableObject(roomObject(room), (_instance: ShowRoom, state) => {
      state.storage.sql.exec('insert into outbox (seq, body) values (?, ?)', -1, 'x'.repeat(130_000));
    });
    const voteId = crypto.randomUUID();
    expect(await room.vote(showId, fans[1]!, setlistSongId, voteId)).toMatchObject({ ok: true });
    const votesInPostgres = async () =>
      ((await sql().query('select count(*)::int as n from votes where id = $1', [voteId])) as { n: number }[])[0]!.n;

    // Fans see the vote although the queue refuses the room's events…
    for (
      let i = 0;
      i < 100 && !updates.some((u) => u.changes?.some((c) => c.setlistSongId === setlistSongId && c.votes === 1));
      i++
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(updates.some((u) => u.changes?.some((c) => c.setlistSongId === setlistSongId && c.votes === 1))).toBe(true);
    // …and the vote stays in the outbox meanwhile, not in Postgres.
    await new Promise((r) => setTimeout(r, 500));
    expect(await votesInPostgres()).toBe(0);
    expect(
      await runInDurableObject(
        roomObject(room),
        (_instance: ShowRoom, state) =>
          state.storage.sql.exec<{ n: number }>('select count(*) as n from outbox').one().n,
      ),
    ).toBeGreaterThan(1);

    // The queue accepts again: the retry delivers the vote, exactly once.
    await runInDurableObject(roomObject(room), (_instance: ShowRoom, state) => {
      state.storage.sql.exec('delete from outbox where seq = -1');
    });
    for (let i = 0; i < 300 && (await votesInPostgres()) === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await votesInPostgres()).toBe(1);
    watcher.close();
  });

  it('keeps an event the queue took until Postgres holds it, and sends it again when the queue lost it', async () => {
    const { showId, fans, room, setlistSongId } = await fixtureWithSong();
    const voteId = crypto.randomUUID();
    await runInDurableObject(room as unknown as DurableObjectStub<ShowRoom>, async (instance: ShowRoom, state) => {
      expect(await instance.vote(showId, fans[0]!, setlistSongId, voteId)).toMatchObject({ ok: true });
      // As if the queue had accepted the event long ago and then lost it (its process was killed): the
      // row is marked sent, so no drain sends it; only the check against Postgres can find it missing.
      state.storage.sql.exec(
        `update outbox set sent_at = 1, sends = 1 where json_extract(body, '$.voteId') = ?`,
        voteId,
      );
    });
    const inPostgres = async () =>
      (
        (await sql().query('select count(*)::int as n from votes where id = $1 and active', [voteId])) as {
          n: number;
        }[]
      )[0]!.n;
    for (let i = 0; i < 300 && (await inPostgres()) === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await inPostgres()).toBe(1);
    // Confirmed: the event leaves the room, and the resend was counted.
    let state: { outbox: number; resent: number } | undefined;
    for (let i = 0; i < 200; i++) {
      state = await runInDurableObject(room as unknown as DurableObjectStub<ShowRoom>, (_i: ShowRoom, s) => ({
        outbox: s.storage.sql.exec<{ n: number }>('select count(*) as n from outbox').one().n,
        resent: Number(
          s.storage.sql.exec<{ value: string }>(`select value from meta where key = 'durability.resent'`).toArray()[0]
            ?.value ?? 0,
        ),
      }));
      if (state.outbox === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(state).toEqual({ outbox: 0, resent: 1 });
  });

  it('repairs Postgres when its counts differ from the room once everything is confirmed', async () => {
    const { showId, fans, room, setlistSongId } = await fixtureWithSong();
    const first = crypto.randomUUID();
    expect(await room.vote(showId, fans[0]!, setlistSongId, first)).toMatchObject({ ok: true });
    const activeIds = async () =>
      (
        (await sql().query('select id from votes where setlist_song_id = $1 and active order by id', [
          setlistSongId,
        ])) as { id: string }[]
      ).map((r) => r.id);
    for (let i = 0; i < 200 && (await activeIds()).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    // Postgres loses the vote behind the room's back (nothing the room sent is in flight any more).
    await sql().query('delete from votes where id = $1', [first]);
    const second = crypto.randomUUID();
    expect(await room.vote(showId, fans[1]!, setlistSongId, second)).toMatchObject({ ok: true });
    const expected = [first, second].sort();
    for (let i = 0; i < 300 && JSON.stringify(await activeIds()) !== JSON.stringify(expected); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await activeIds()).toEqual(expected);
    const counted = (await sql().query('select vote_count from setlist_songs where id = $1', [setlistSongId])) as {
      vote_count: number;
    }[];
    expect(counted[0]!.vote_count).toBe(2);
  });

  it('loads the lock from Postgres and refuses an id of a retracted vote after a rebuild', async () => {
    const { showId, fans, room, setlistSongId } = await fixtureWithSong();
    const retracted = crypto.randomUUID();
    expect(await room.vote(showId, fans[0]!, setlistSongId, retracted)).toMatchObject({ ok: true });
    expect(await room.unvote(showId, fans[0]!, setlistSongId)).toMatchObject({ ok: true });
    for (let i = 0; i < 200; i++) {
      const rows = (await sql().query('select active from votes where id = $1', [retracted])) as { active: boolean }[];
      if (rows[0]?.active === false) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // A new deployment with empty storage rebuilds the room from Postgres (here: its storage is wiped).
    await runInDurableObject(room as unknown as DurableObjectStub<ShowRoom>, (_i: ShowRoom, state) => {
      for (const table of ['meta', 'setlist', 'votes', 'vote_ids', 'outbox', 'catalogue'])
        state.storage.sql.exec(`delete from ${table}`);
    });
    await abortAllDurableObjects();
    // Another fan reusing the retracted vote's id in this show would be a vote Postgres refuses: refused now.
    expect(await showRoomStub(env.SHOW_ROOM, showId).vote(showId, fans[1]!, setlistSongId, retracted)).toMatchObject({
      ok: false,
      error: { code: 'vote_id_conflict' },
    });
    // A moderator locks the show (the api writes Postgres first), and the room's storage is lost again.
    await sql().query('update shows set locked = true where id = $1', [showId]);
    await runInDurableObject(
      showRoomStub(env.SHOW_ROOM, showId) as unknown as DurableObjectStub<ShowRoom>,
      (_i: ShowRoom, state) => {
        for (const table of ['meta', 'setlist', 'votes', 'vote_ids', 'outbox', 'catalogue'])
          state.storage.sql.exec(`delete from ${table}`);
      },
    );
    await abortAllDurableObjects();
    const view = await showRoomStub(env.SHOW_ROOM, showId).setlist(showId, null);
    expect(view).toMatchObject({ ok: true, value: { locked: true, votingOpen: false } });
    expect(
      await showRoomStub(env.SHOW_ROOM, showId).vote(showId, fans[2]!, setlistSongId, crypto.randomUUID()),
    ).toMatchObject({ ok: false, error: { code: 'voting_closed' } });
  });
});
