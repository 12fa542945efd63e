import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { fanoutShardName, type RoomActor } from '#shared/room-rpc';
import type { RoomFanout } from '../src/fanout/room-fanout';
import { connect, expectGapFree, fixtureWithSetlist, lastCount, type TestSocket, until } from './support';

// The realtime test project runs ROOM_SHARDS=auto with ROOM_SHARD_CAPACITY=3 (vitest.config.ts).
type Ack = { type: 'ack'; ref: string | null; ok: boolean; result?: Record<string, unknown>; error?: { code: string } };
const isAck = (ref: string) => (m: Record<string, unknown>) => m.type === 'ack' && m.ref === ref;

async function connectMany(showId: string, fans: (RoomActor | undefined)[]): Promise<TestSocket[]> {
  const sockets: TestSocket[] = [];
  // One after another, so that placement is deterministic (each socket is counted before the next).
  for (const fan of fans) {
    const socket = await connect(showId, fan ? { fan } : {});
    await socket.next((m) => m.type === 'snapshot');
    sockets.push(socket);
  }
  return sockets;
}

/** Three songs and four fans connected in turn: three on the room (its capacity here), the fourth on shard 0. */
async function fourthFanOnShard() {
  const fixture = await fixtureWithSetlist({ songCount: 3, fanCount: 4 });
  const sockets = await connectMany(fixture.showId, fixture.fans);
  const onShard = sockets[3]!;
  expect(onShard.shard).toBe(0);
  return { ...fixture, sockets, onShard };
}

function shardStub(showId: string, shard: number) {
  return env.ROOM_FANOUT.get(env.ROOM_FANOUT.idFromName(fanoutShardName(showId, shard)));
}

describe('the fan-out tier', () => {
  it('keeps a small room as it was: up to the capacity every socket is the room’s own', async () => {
    const { showId, setlistSongIds, fans } = await fixtureWithSetlist({ fanCount: 3 });
    const sockets = await connectMany(showId, fans);
    expect(sockets.map((s) => s.shard)).toEqual([null, null, null]);
    const voteId = crypto.randomUUID();
    sockets[0]!.send({ type: 'vote', id: voteId, setlistSongId: setlistSongIds[0] });
    expect(await sockets[0]!.next<Ack>(isAck(voteId))).toMatchObject({ ok: true, result: { votes: 1 } });
    for (const s of sockets) await until(() => lastCount(s, setlistSongIds[0]!) === 1, 3000, 'the update');
    for (const s of sockets) s.close();
  });

  it('keeps every socket on the room when the room_fanout flag is off for the show', async () => {
    const { showId } = await fixtureWithSetlist({ fanCount: 1 });
    const sockets: TestSocket[] = [];
    for (let i = 0; i < 5; i++) {
      const socket = await connect(showId, { fanoutOff: true });
      await socket.next((m) => m.type === 'snapshot');
      sockets.push(socket);
    }
    // Past the capacity of 3, and still no shard.
    expect(sockets.map((s) => s.shard)).toEqual([null, null, null, null, null]);
    for (const s of sockets) s.close();
  });

  it('takes a vote through a shard and acks it once the room decided; every socket sees it, seq gap-free', async () => {
    const { showId, setlistSongIds, fans, room } = await fixtureWithSetlist({ songCount: 4, fanCount: 6 });
    // 3 on the room, then shard 0 (3), then shard 1.
    const sockets = await connectMany(showId, [...fans, undefined, undefined]);
    expect(sockets.map((s) => s.shard)).toEqual([null, null, null, 0, 0, 0, 1, 1]);
    const onShard = sockets[3]!;
    const voteId = crypto.randomUUID();
    onShard.send({ type: 'vote', id: voteId, setlistSongId: setlistSongIds[1] });
    const ack = await onShard.next<Ack>(isAck(voteId));
    expect(ack).toMatchObject({ ok: true, result: { setlistSongId: setlistSongIds[1], votes: 1, repeated: false } });
    // The ack came after the room decided: the room has the vote.
    const view = await room.setlist(showId, fans[3]!.userId);
    expect(view.ok && view.value.myVotes).toEqual([setlistSongIds[1]]);
    // Idempotent through the shard too, and the room's refusals come back as they are.
    onShard.send({ type: 'vote', id: voteId, setlistSongId: setlistSongIds[1] });
    expect(await onShard.next<Ack>(isAck(voteId))).toMatchObject({ ok: true, result: { repeated: true } });
    const again = crypto.randomUUID();
    onShard.send({ type: 'vote', id: again, setlistSongId: setlistSongIds[1] });
    expect(await onShard.next<Ack>(isAck(again))).toMatchObject({ ok: false, error: { code: 'already_voted' } });
    sockets[6]!.send({ type: 'vote', id: crypto.randomUUID(), setlistSongId: setlistSongIds[1] });
    expect(await sockets[6]!.next<Ack>((m) => m.type === 'ack')).toMatchObject({
      ok: false,
      error: { code: 'unauthenticated' },
    });

    // Votes from every fan, on the room and on both shards, many in flight at once.
    const acks: Promise<Ack>[] = [];
    for (const [i, s] of sockets.slice(0, 6).entries()) {
      for (const setlistSongId of setlistSongIds.slice(2)) {
        const id = crypto.randomUUID();
        s.send({ type: 'vote', id, setlistSongId });
        acks.push(s.next<Ack>(isAck(id)));
      }
      if (i === 3) sockets[i]!.send({ type: 'unvote', id: 'u-3', setlistSongId: setlistSongIds[1] });
    }
    expect((await Promise.all(acks)).every((a) => a.ok)).toBe(true);
    expect(await sockets[3]!.next<Ack>(isAck('u-3'))).toMatchObject({ ok: true, result: { votes: 0 } });
    for (const s of sockets) {
      await until(
        () =>
          lastCount(s, setlistSongIds[2]!) === 6 &&
          lastCount(s, setlistSongIds[3]!) === 6 &&
          lastCount(s, setlistSongIds[1]!) === 0,
        5000,
        `the final counts on a socket of shard ${s.shard}`,
      );
      expectGapFree(s);
    }
    // Every socket, on whichever shard, saw the same seq numbers.
    const last = sockets.map((s) => s.sequenced.at(-1)!.seq);
    expect(new Set(last).size).toBe(1);
    for (const s of sockets) s.close();
  });

  it('sends a burst of votes to the room in batches, one ack each, a refused one beside accepted ones', async () => {
    const { showId, setlistSongIds, fans, room } = await fixtureWithSetlist({ songCount: 4, fanCount: 6 });
    const sockets = await connectMany(showId, fans);
    const onShard = sockets.slice(3);
    expect(onShard.map((s) => s.shard)).toEqual([0, 0, 0]);
    // Every fan on the shard votes every song at once, and one vote names no song of the setlist.
    const sent: { socket: TestSocket; id: string; ok: boolean }[] = [];
    for (const socket of onShard) {
      for (const setlistSongId of setlistSongIds) {
        const id = crypto.randomUUID();
        socket.send({ type: 'vote', id, setlistSongId });
        sent.push({ socket, id, ok: true });
      }
    }
    const stray = crypto.randomUUID();
    onShard[0]!.send({ type: 'vote', id: stray, setlistSongId: crypto.randomUUID() });
    for (const { socket, id } of sent) expect(await socket.next<Ack>(isAck(id))).toMatchObject({ ok: true });
    expect(await onShard[0]!.next<Ack>(isAck(stray))).toMatchObject({
      ok: false,
      error: { code: 'setlist_song_not_found' },
    });
    const stats = await runInDurableObject(shardStub(showId, 0), (instance: RoomFanout) => instance.stats());
    expect(stats.decisions).toBe(sent.length + 1);
    // The first vote went alone; those that came while it was in flight went together.
    expect(stats.decideCalls).toBeGreaterThanOrEqual(1);
    expect(stats.decideCalls).toBeLessThan(stats.decisions);
    const view = await room.setlist(showId, null);
    expect(view.ok && view.value.songs.map((song) => song.votes)).toEqual([3, 3, 3, 3]);
    for (const s of sockets) s.close();
  });

  it('grows from one to several shards while votes flow, and no socket misses an update', async () => {
    const { showId, setlistSongIds, fans, room } = await fixtureWithSetlist({ songCount: 1, fanCount: 40 });
    const sockets: TestSocket[] = [];
    let voted = 0;
    // 40 fans join one by one; each vote goes over RPC while the next sockets are being placed.
    for (const fan of fans) {
      const voting = room.vote(showId, fan, setlistSongIds[0]!, crypto.randomUUID());
      const socket = await connect(showId, { fan });
      await socket.next((m) => m.type === 'snapshot');
      sockets.push(socket);
      expect((await voting).ok).toBe(true);
      voted++;
    }
    const shards = new Set(sockets.map((s) => s.shard).filter((s) => s !== null));
    expect(shards.size).toBeGreaterThanOrEqual(10);
    for (const s of sockets) {
      await until(() => lastCount(s, setlistSongIds[0]!) === voted, 5000, `all ${voted} votes on shard ${s.shard}`);
      expectGapFree(s);
    }
    // The viewer count covers every shard (shards report theirs at most once a second).
    const watcher = await connect(showId);
    await until(
      () => watcher.sequenced.some((m) => (m.viewers as number | undefined) === sockets.length + 1),
      5000,
      `the viewer count of all shards (seen: ${watcher.sequenced.map((m) => m.viewers).join(',')})`,
    ).catch(() => {
      throw new Error(
        `viewers seen: ${watcher.sequenced.map((m) => m.viewers).join(',')} / ${sockets[0]!.sequenced.map((m) => `${m.seq}:${m.viewers}`).join(',')}`,
      );
    });
    for (const s of [...sockets, watcher]) s.close();
  });

  it('serves resume from the shard: the missed updates, or a snapshot with the fan’s votes', async () => {
    const { showId, setlistSongIds, fans, room, sockets, onShard } = await fourthFanOnShard();
    const seen = onShard.sequenced.at(-1)!.seq!;
    onShard.close();
    for (const [i, setlistSongId] of setlistSongIds.entries()) {
      expect((await room.vote(showId, fans[i]!, setlistSongId, crypto.randomUUID())).ok).toBe(true);
      await new Promise((r) => setTimeout(r, 60)); // separate ticks: one update each
    }
    await until(() => lastCount(sockets[0]!, setlistSongIds[2]!) === 1, 3000, 'the third update');
    const current = sockets[0]!.sequenced.at(-1)!.seq!;

    // Reconnecting with `since`: placed on a shard again, which replays from its own log (no snapshot).
    const back = await connect(showId, { fan: fans[3]!, since: seen });
    expect(back.shard).not.toBeNull();
    await until(() => back.sequenced.at(-1)?.seq === current, 3000, 'the replay');
    expect(back.sequenced.map((m) => m.seq)).toEqual(Array.from({ length: current - seen }, (_, i) => seen + 1 + i));
    expect(back.sequenced.some((m) => m.type === 'snapshot')).toBe(false);

    // `resume` on the open socket: the replay again; an unknown seq: a snapshot with the fan's own votes.
    back.send({ type: 'resume', since: seen });
    await back.next((m) => m.type === 'update' && m.seq === current);
    expect((await room.vote(showId, fans[3]!, setlistSongIds[0]!, crypto.randomUUID())).ok).toBe(true);
    back.send({ type: 'resume', since: 1_000_000 });
    const snapshot = await back.next<{ myVotes: string[]; songs: { setlistSongId: string; votes: number }[] }>(
      (m) => m.type === 'snapshot',
    );
    expect(snapshot.myVotes).toEqual([setlistSongIds[0]]);
    expect(snapshot.songs.find((s) => s.setlistSongId === setlistSongIds[0])?.votes).toBe(2);
    for (const s of [...sockets, back]) s.close();
  });

  it('stops delivering to a shard every socket has left, and a socket joining it later gets a current snapshot', async () => {
    const { showId, setlistSongIds, fans, room, sockets, onShard } = await fourthFanOnShard();
    onShard.close();
    const shard = shardStub(showId, 0);
    // The shard reports its empty count (at most once a second) and the placement settles (2 s).
    await until(
      async () => (await runInDurableObject(shard, (instance: RoomFanout) => instance.stats())).sockets === 0,
      5000,
      'the shard without sockets',
    );
    await new Promise((r) => setTimeout(r, 2500));
    // A report inside the placement's settling time does not lower the room's estimate; the shard's answer
    // to the first delivery after it does.
    expect((await room.vote(showId, fans[0]!, setlistSongIds[1]!, crypto.randomUUID())).ok).toBe(true);
    await until(() => lastCount(sockets[0]!, setlistSongIds[1]!) === 1, 3000, 'the first update on the room');
    await new Promise((r) => setTimeout(r, 200));
    const before = await runInDurableObject(shard, (instance: RoomFanout) => instance.stats());
    expect((await room.vote(showId, fans[0]!, setlistSongIds[0]!, crypto.randomUUID())).ok).toBe(true);
    await until(() => lastCount(sockets[0]!, setlistSongIds[0]!) === 1, 3000, 'the update on the room');
    await new Promise((r) => setTimeout(r, 200));
    // None delivered and no copy kept: the room skipped the empty shard.
    expect(await runInDurableObject(shard, (instance: RoomFanout) => instance.stats())).toMatchObject({
      sockets: 0,
      seq: null,
      deliveries: before.deliveries,
    });

    // A fan joins again: placed on shard 0, which syncs afresh and serves the current counts.
    const back = await connect(showId, { fan: fans[3]! });
    expect(back.shard).toBe(0);
    const snapshot = await back.next<{ songs: { setlistSongId: string; votes: number }[] }>(
      (m) => m.type === 'snapshot',
    );
    expect(snapshot.songs.find((s) => s.setlistSongId === setlistSongIds[0])?.votes).toBe(1);
    // And it gets deliveries again.
    expect((await room.vote(showId, fans[1]!, setlistSongIds[0]!, crypto.randomUUID())).ok).toBe(true);
    await until(() => lastCount(back, setlistSongIds[0]!) === 2, 3000, 'the next update on the shard');
    expectGapFree(back);
    for (const s of [...sockets, back]) s.close();
  });

  it('recovers the sockets of a shard that was evicted mid-room', async () => {
    const { showId, setlistSongIds, fans, room } = await fixtureWithSetlist({ songCount: 2, fanCount: 6 });
    const sockets = await connectMany(showId, fans);
    const onShard = sockets.filter((s) => s.shard === 0);
    expect(onShard).toHaveLength(3);
    expect((await room.vote(showId, fans[0]!, setlistSongIds[0]!, crypto.randomUUID())).ok).toBe(true);
    for (const s of onShard) await until(() => lastCount(s, setlistSongIds[0]!) === 1, 3000, 'the first update');

    // The shard's instance goes away (its memory with it).
    await runInDurableObject(shardStub(showId, 0), (_instance: RoomFanout, state) => {
      state.abort('evicted by the test');
    }).catch(() => {});

    expect((await room.vote(showId, fans[1]!, setlistSongIds[0]!, crypto.randomUUID())).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    // Whether its sockets survived the eviction or not, each one ends up with every update, in order: a
    // surviving socket from the new instance (which syncs from the room), a dropped one by reconnecting.
    const recovered: TestSocket[] = [];
    for (const s of onShard) {
      if (!s.isClosed()) {
        recovered.push(s);
        continue;
      }
      const seen = s.sequenced.at(-1)!.seq!;
      // Back on the same shard: its new instance syncs from the room and replays what the socket missed.
      const back = await connect(showId, { fan: fans[sockets.indexOf(s)]!, since: seen, shard: 0 });
      recovered.push(back);
    }
    expect((await room.vote(showId, fans[2]!, setlistSongIds[0]!, crypto.randomUUID())).ok).toBe(true);
    for (const s of recovered) {
      await until(() => lastCount(s, setlistSongIds[0]!) === 3, 5000, 'the votes after the eviction');
      expectGapFree(s);
      expect(s.sequenced.some((m) => m.type === 'snapshot')).toBe(false);
    }
    // A vote through a recovered shard socket is acked as before.
    const id = crypto.randomUUID();
    const voter = recovered[0]!;
    voter.send({ type: 'vote', id, setlistSongId: setlistSongIds[1] });
    expect(await voter.next<Ack>(isAck(id))).toMatchObject({ ok: true });
    for (const s of [...sockets, ...recovered]) s.close();
  });
});
