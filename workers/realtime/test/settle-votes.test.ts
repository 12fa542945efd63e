/**
 * settleVotes: what finalisation asks of a room before it scores the show from Postgres (src/shared/scoring/finalize.ts).
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { showRoomStub } from '#shared/room-rpc';
import type { ShowRoom } from '../src/show-room';
import { fixture, fixtureWithSetlist, sql } from './support';

const relay = (faults: { down: boolean }) =>
  fetch(`http://${env.DB_RELAY}/__relay/faults`, { method: 'POST', body: JSON.stringify(faults) });
const votesInPostgres = async (voteId: string) =>
  (
    (await sql().query('select count(*)::int as n from votes where id = $1 and active', [voteId])) as { n: number }[]
  )[0]!.n;

describe('ShowRoom.settleVotes', () => {
  it('answers at once for a room that was never loaded, and does not load it', async () => {
    const { showId } = await fixture();
    const room = showRoomStub(env.SHOW_ROOM, showId);
    expect(await room.settleVotes(showId, { status: 'live', timeoutMs: 5000 })).toEqual({
      ok: true,
      value: { settled: true, pending: 0 },
    });
    const loaded = await runInDurableObject(room as unknown as DurableObjectStub<ShowRoom>, (_i: ShowRoom, state) =>
      state.storage.sql.exec(`select key from meta where key = 'showId'`).toArray(),
    );
    expect(loaded).toEqual([]);
  });

  it('closes voting, then answers once Postgres holds an acked vote the queue had lost', async () => {
    const { showId, fans, room, setlistSongIds } = await fixtureWithSetlist();
    const voteId = crypto.randomUUID();
    await runInDurableObject(room as unknown as DurableObjectStub<ShowRoom>, async (instance: ShowRoom, state) => {
      expect(await instance.vote(showId, fans[0]!, setlistSongIds[0]!, voteId)).toMatchObject({ ok: true });
      // As if the queue had taken the event and lost it: only a lookup in Postgres and a resend can bring it.
      state.storage.sql.exec(
        `update outbox set sent_at = ?, sends = 1 where json_extract(body, '$.voteId') = ?`,
        Date.now(),
        voteId,
      );
    });
    // The row was changed behind the room's store, which counts its outbox in memory: a new instance counts again.
    await runInDurableObject(room as unknown as DurableObjectStub<ShowRoom>, (_instance: ShowRoom, state) => {
      state.abort('evicted by the test');
    }).catch(() => {});
    const woken = showRoomStub(env.SHOW_ROOM, showId);
    const settled = await woken.settleVotes(showId, { status: 'live', timeoutMs: 20_000 });
    expect(settled).toEqual({ ok: true, value: { settled: true, pending: 0 } });
    expect(await votesInPostgres(voteId)).toBe(1);
    // Voting closed before the room waited: nothing new can arrive.
    const late = await woken.vote(showId, fans[1]!, setlistSongIds[0]!, crypto.randomUUID());
    expect(late).toMatchObject({ ok: false, error: { code: 'voting_closed' } });
  });

  it('gives up after its timeout while Postgres is down, with what is still pending', async () => {
    const { showId, fans, room, setlistSongIds } = await fixtureWithSetlist();
    // The song's own event first, so that only the vote is pending below.
    await room.settleVotes(showId, { status: 'upcoming', timeoutMs: 20_000 });
    await relay({ down: true });
    try {
      expect(await room.vote(showId, fans[0]!, setlistSongIds[0]!, crypto.randomUUID())).toMatchObject({ ok: true });
      const started = Date.now();
      const answer = await room.settleVotes(showId, { status: 'live', timeoutMs: 1000 });
      expect(answer).toEqual({ ok: true, value: { settled: false, pending: 1 } });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await relay({ down: false });
    }
    expect(await room.settleVotes(showId, { status: 'live', timeoutMs: 20_000 })).toMatchObject({
      value: { settled: true },
    });
  });
});
