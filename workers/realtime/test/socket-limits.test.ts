import { describe, expect, it } from 'vitest';
import type { RoomActor } from '#shared/room-rpc';
import { connect, fixture, fixtureWithSetlist, type TestSocket } from './support';

// What one socket can cost the room or its shard (issue #14). The test room allows 20 messages per second.
type Ack = { type: 'ack'; ref: string | null; ok: boolean; error?: { code: string } };
const moderator: RoomActor = { userId: crypto.randomUUID(), role: 'moderator' };

async function settle(socket: TestSocket, ms = 300): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  void socket;
}

describe('the cost of one socket', () => {
  it('rate-limits frames before parsing them: a flood of unparseable frames gets rate_limited', async () => {
    const { showId } = await fixture();
    const socket = await connect(showId);
    await socket.next((m) => m.type === 'snapshot');
    for (let i = 0; i < 60; i++) socket.send(`{"not json ${i}`);
    await settle(socket);
    const codes = socket.inbox.filter((m) => m.type === 'ack').map((m) => (m as unknown as Ack).error?.code);
    expect(codes.filter((c) => c === 'rate_limited').length).toBeGreaterThanOrEqual(30);
    expect(codes.filter((c) => c === 'invalid_message').length).toBeLessThanOrEqual(25);
    socket.close();
  });

  it('counts the size of a message in UTF-8 bytes, not UTF-16 units', async () => {
    const { showId } = await fixture();
    const socket = await connect(showId);
    await socket.next((m) => m.type === 'snapshot');
    // 2,000 × "€" is 2,000 UTF-16 units but 6,000 bytes: over the 4,096-byte limit.
    socket.send({ type: 'ping', id: 'euro', pad: '€'.repeat(2000) });
    expect(await socket.next<Ack>((m) => m.type === 'ack' || m.type === 'pong')).toMatchObject({
      type: 'ack',
      ok: false,
      error: { code: 'message_too_large' },
    });
    socket.send({ type: 'ping', id: 'small', pad: '€'.repeat(1000) });
    expect(await socket.next((m) => m.type === 'pong')).toEqual({ type: 'pong', id: 'small' });
    socket.close();
  });

  it('answers resume {since: 0} far behind with one snapshot, on the room and on a shard', async () => {
    const { showId, room } = await fixtureWithSetlist({ fanCount: 1 });
    // 120 logged messages: more than a resume may replay.
    for (let i = 0; i < 120; i++) expect((await room.setLocked(showId, moderator, i % 2 === 0)).ok).toBe(true);
    const sockets = [await connect(showId), await connect(showId), await connect(showId), await connect(showId)];
    expect(sockets.map((s) => s.shard)).toEqual([null, null, null, 0]);
    for (const socket of [sockets[0]!, sockets[3]!]) {
      const { seq } = await socket.next<{ seq: number }>((m) => m.type === 'snapshot');
      expect(seq).toBeGreaterThan(120);
      socket.send({ type: 'resume', since: 0 });
      await settle(socket);
      expect(socket.inbox.filter((m) => m.type === 'snapshot')).toHaveLength(1);
      expect(socket.inbox.filter((m) => m.type === 'status')).toHaveLength(0);
      // Within reach, resume still replays.
      socket.inbox.length = 0;
      socket.send({ type: 'resume', since: seq - 10 });
      await settle(socket);
      expect(socket.inbox.filter((m) => m.type === 'status').map((m) => m.seq)).toEqual(
        Array.from({ length: 10 }, (_, i) => seq - 9 + i),
      );
    }
    for (const s of sockets) s.close();
  });

  it('counts a resume as several messages against the socket’s rate limit', async () => {
    const { showId } = await fixture();
    const socket = await connect(showId);
    await socket.next((m) => m.type === 'snapshot');
    for (let i = 0; i < 10; i++) socket.send({ type: 'resume', since: 1_000_000 });
    await settle(socket);
    const snapshots = socket.inbox.filter((m) => m.type === 'snapshot').length;
    const limited = socket.inbox.filter(
      (m) => m.type === 'ack' && (m as unknown as Ack).error?.code === 'rate_limited',
    );
    // 20 tokens at 5 a resume: 4 snapshots, then refusals.
    expect(snapshots).toBeLessThanOrEqual(5);
    expect(limited.length).toBeGreaterThanOrEqual(5);
    socket.close();
  });
});
