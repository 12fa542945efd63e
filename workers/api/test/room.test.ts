import { describe, expect, it } from 'vitest';
import { castVote, showWithSong } from './setlist-support';
import { api, connectRoom, createShow, joinRoom, signUp } from './support';

type Update = {
  type: 'update';
  seq: number;
  changes: { setlistSongId: string; votes: number }[];
  added: { setlistSongId: string; songId: string; votes: number }[];
};
type Snapshot = { type: 'snapshot'; seq: number; songs: { setlistSongId: string; votes: number }[]; myVotes: string[] };
type Ack = { type: 'ack'; ref: string | null; ok: boolean; result?: Record<string, unknown>; error?: { code: string } };

const isAck = (ref: string | null) => (m: Record<string, unknown>) => m.type === 'ack' && m.ref === ref;

describe('the live room over WebSocket', () => {
  it("shows fan A's vote on fan B's socket as a coalesced update", async () => {
    const { show, setlistSongId } = await showWithSong();
    const [a, b] = await Promise.all([signUp(), signUp()]);
    const roomA = await connectRoom(show.id, { token: a.token });
    const roomB = await connectRoom(show.id, { token: b.token });
    const snapA = await roomA.next<Snapshot>((m) => m.type === 'snapshot');
    expect(snapA.songs).toEqual([expect.objectContaining({ setlistSongId, votes: 0 })]);
    await roomB.next((m) => m.type === 'snapshot');

    const voteId = crypto.randomUUID();
    roomA.send({ type: 'vote', id: voteId, setlistSongId });
    const ack = await roomA.next<Ack>(isAck(voteId));
    expect(ack).toMatchObject({ ok: true, result: { setlistSongId, votes: 1, repeated: false } });
    const update = await roomB.next<Update>(
      (m) => m.type === 'update' && (m as Update).changes.some((c) => c.setlistSongId === setlistSongId),
    );
    expect(update.changes).toContainEqual({ setlistSongId, votes: 1 });

    // The same id over the socket again: the first result, no second vote.
    roomA.send({ type: 'vote', id: voteId, setlistSongId });
    expect(await roomA.next<Ack>(isAck(voteId))).toMatchObject({ ok: true, result: { votes: 1, repeated: true } });
    const other = crypto.randomUUID();
    roomA.send({ type: 'vote', id: other, setlistSongId });
    expect(await roomA.next<Ack>(isAck(other))).toMatchObject({ ok: false, error: { code: 'already_voted' } });

    roomA.send({ type: 'unvote', id: 'u1', setlistSongId });
    expect(await roomA.next<Ack>(isAck('u1'))).toMatchObject({ ok: true, result: { votes: 0 } });
    const down = await roomB.next<Update>(
      (m) => m.type === 'update' && (m as Update).changes.some((c) => c.votes === 0),
    );
    expect(down.changes).toContainEqual({ setlistSongId, votes: 0 });
    roomA.close();
    roomB.close();
  });

  it('broadcasts an added song to everyone in the room', async () => {
    const { show, songs } = await createShow();
    const fan = await signUp();
    const watcher = await joinRoom(show.id);
    const adder = await joinRoom(show.id, { token: fan.token });
    adder.send({ type: 'add_song', id: 'add-1', songId: songs[2]!.id });
    expect(await adder.next<Ack>(isAck('add-1'))).toMatchObject({
      ok: true,
      result: { songId: songs[2]!.id, votes: 0 },
    });
    const update = await watcher.next<Update>((m) => m.type === 'update' && (m as Update).added.length > 0);
    expect(update.added).toEqual([expect.objectContaining({ songId: songs[2]!.id, votes: 0 })]);
    adder.close();
    watcher.close();
  });

  it('answers malformed, unknown and oversized messages with error acks and keeps the socket', async () => {
    const { show } = await createShow();
    const fan = await signUp();
    const room = await joinRoom(show.id, { token: fan.token });

    room.send('this is not json');
    expect(await room.next<Ack>(isAck(null))).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    room.send({ type: 'dance', id: 'd1' });
    expect(await room.next<Ack>(isAck('d1'))).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    room.send({ type: 'vote', id: 'not-a-uuid', setlistSongId: 'nope' });
    expect(await room.next<Ack>(isAck('not-a-uuid'))).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
    room.send({ type: 'add_song', id: 'big', songId: crypto.randomUUID(), padding: 'x'.repeat(10_000) });
    expect(await room.next<Ack>(isAck(null))).toMatchObject({ ok: false, error: { code: 'message_too_large' } });
    room.ws.send(new Uint8Array([1, 2, 3]));
    expect(await room.next<Ack>(isAck(null))).toMatchObject({ ok: false, error: { code: 'invalid_message' } });

    room.send({ type: 'ping', id: 'still-here' });
    expect(await room.next((m) => m.type === 'pong')).toEqual({ type: 'pong', id: 'still-here' });
    room.close();
  });

  it('throttles a flooding socket with rate_limited errors', async () => {
    const { show } = await createShow();
    const room = await joinRoom(show.id);
    // The test room allows 20 messages per second per socket.
    for (let i = 0; i < 60; i++) room.send({ type: 'ping', id: `p${i}` });
    const limited = await room.next<Ack>((m) => m.type === 'ack' && (m as Ack).error?.code === 'rate_limited');
    expect(limited.ref).toMatch(/^p\d+$/);
    await new Promise((r) => setTimeout(r, 200));
    const pongs = room.inbox.filter((m) => m.type === 'pong').length;
    expect(pongs).toBeLessThanOrEqual(25);
    expect(pongs).toBeGreaterThanOrEqual(15);
    room.close();
  });

  it('resumes after a gap with the missed updates, or a snapshot when the seq is unknown', async () => {
    const { show, setlistSongId } = await showWithSong();
    const [fan, other] = await Promise.all([signUp(), signUp()]);
    const first = await connectRoom(show.id, { token: fan.token });
    const snapshot = await first.next<Snapshot>((m) => m.type === 'snapshot');
    first.close();

    // While the fan is away, two votes arrive (separate ticks, so at least one update each).
    for (const voter of [fan, other]) {
      expect((await castVote(show.id, setlistSongId, voter.token)).status).toBe(201);
      await new Promise((r) => setTimeout(r, 80));
    }

    const back = await connectRoom(show.id, { token: fan.token, since: snapshot.seq });
    const missed = await back.next<Update>(
      (m) => m.type === 'update' && (m as Update).changes.some((c) => c.votes === 2),
      3000,
    );
    expect(missed.seq).toBeGreaterThan(snapshot.seq);
    expect(back.inbox.some((m) => m.type === 'snapshot')).toBe(false);
    // Updates arrive in seq order with no gap.
    back.send({ type: 'resume', since: snapshot.seq });
    const replay: Update[] = [];
    for (let seq = snapshot.seq + 1; seq <= missed.seq; seq++)
      replay.push(await back.next<Update>((m) => m.type === 'update' && m.seq === seq));
    expect(replay.map((u) => u.seq)).toEqual(
      Array.from({ length: missed.seq - snapshot.seq }, (_, i) => snapshot.seq + 1 + i),
    );

    back.send({ type: 'resume', since: 1_000_000 });
    const fresh = await back.next<Snapshot>((m) => m.type === 'snapshot');
    expect(fresh.myVotes).toEqual([setlistSongId]);
    expect(fresh.songs[0]!.votes).toBe(2);
    back.close();
  });

  it('counts concurrent votes from many fans exactly', async () => {
    const { show, setlistSongId } = await showWithSong();
    const fans = await Promise.all(Array.from({ length: 25 }, () => signUp()));
    const results = await Promise.all(fans.map((fan) => castVote(show.id, setlistSongId, fan.token)));
    expect(results.map((r) => r.status)).toEqual(fans.map(() => 201));
    const counts = await Promise.all(results.map(async (r) => ((await r.json()) as { votes: number }).votes));
    // Every fan saw a distinct count: each decision was made on the state left by the previous one.
    expect([...counts].sort((x, y) => x - y)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const setlist = (await (await api(`/v1/shows/${show.id}/setlist`)).json()) as { songs: { votes: number }[] };
    expect(setlist.songs[0]!.votes).toBe(25);
  });
});
