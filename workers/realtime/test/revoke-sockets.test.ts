import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ROOM_HEADERS, type RoomActor, SESSION_REVOKED_CLOSE_CODE, showRoomStub } from '#shared/room-rpc';
import type { ShowRoom } from '../src/show-room';
import { fixture as roomFixture } from './support';

/** One song, two fans. */
const fixture = () => roomFixture({ songCount: 1, fanCount: 2 });

async function open(room: ReturnType<typeof showRoomStub>, showId: string, fan: RoomActor, sessionId: string) {
  const res = await room.fetch('http://room/live', {
    headers: {
      Upgrade: 'websocket',
      [ROOM_HEADERS.showId]: showId,
      [ROOM_HEADERS.userId]: fan.userId,
      [ROOM_HEADERS.role]: fan.role,
      [ROOM_HEADERS.sessionId]: sessionId,
    },
  });
  const ws = res.webSocket;
  if (!ws) throw new Error(`no socket: ${res.status}`);
  const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)));
  ws.accept();
  return { ws, closed };
}

describe('ShowRoom.revokeSockets', () => {
  it('closes the sockets of the revoked sessions only, and forgets a deleted account', async () => {
    const { showId, songId, fans } = await fixture();
    const [fan, other] = fans as [RoomActor, RoomActor];
    const room = showRoomStub(env.SHOW_ROOM, showId);
    expect(await room.addSong(showId, fan, songId)).toMatchObject({ ok: true });
    const phone = await open(room, showId, fan, 'session-phone');
    const laptop = await open(room, showId, fan, 'session-laptop');
    const stranger = await open(room, showId, other, 'session-other');

    expect(await room.revokeSockets(showId, { userId: fan.userId, sessionIds: ['session-phone'] })).toEqual({
      ok: true,
      value: { closed: 1 },
    });
    expect(await phone.closed).toBe(SESSION_REVOKED_CLOSE_CODE);

    expect(await room.revokeSockets(showId, { userId: fan.userId, accountDeleted: true })).toEqual({
      ok: true,
      value: { closed: 1 },
    });
    expect(await laptop.closed).toBe(SESSION_REVOKED_CLOSE_CODE);
    await runInDurableObject(room as unknown as DurableObjectStub<ShowRoom>, (_instance: ShowRoom, state) => {
      const addedBy = state.storage.sql.exec<{ added_by: string | null }>('select added_by from setlist').toArray();
      expect(addedBy).toEqual([{ added_by: null }]);
      // The other fan's socket is untouched.
      expect(state.getWebSockets().length).toBe(1);
    });
    stranger.ws.close(1000, 'done');
  });

  it('never loads a room that is not loaded', async () => {
    const showId = crypto.randomUUID();
    const room = showRoomStub(env.SHOW_ROOM, showId);
    expect(await room.revokeSockets(showId, { userId: crypto.randomUUID() })).toEqual({
      ok: true,
      value: { closed: 0 },
    });
    await runInDurableObject(room as unknown as DurableObjectStub<ShowRoom>, (_instance: ShowRoom, state) => {
      expect(state.storage.sql.exec('select count(*) as n from meta').one().n).toBe(0);
    });
  });
});
