import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { showRoomStub } from '#shared/room-rpc';
import { fixture } from './support';

/** A show starting now, with nothing on it yet. */
const showId = async () => (await fixture({ songCount: 0, fanCount: 0, startsNow: true })).showId;

const entry = (position: number, title: string) => ({ position, songId: null, title });

describe('ShowRoom.syncActualSetlist', () => {
  it('takes a newer revision, ignores an older one, and repeats nothing for the same one', async () => {
    const id = await showId();
    const room = showRoomStub(env.SHOW_ROOM, id);
    const two = await room.syncActualSetlist(id, {
      revision: 2,
      songs: [entry(1, 'a'), entry(2, 'b')],
      status: 'live',
    });
    expect(two).toEqual({
      ok: true,
      value: {
        revision: 2,
        played: [
          { ...entry(1, 'a'), setlistSongId: null },
          { ...entry(2, 'b'), setlistSongId: null },
        ],
      },
    });
    const seqAfterTwo = await room.setlist(id, null);
    // Revision 1 arrives late (a push that crossed revision 2): ignored, nothing broadcast.
    const stale = await room.syncActualSetlist(id, { revision: 1, songs: [entry(1, 'a')], status: 'live' });
    expect(stale).toMatchObject({ ok: true, value: { revision: 2 } });
    if (!stale.ok) throw new Error('unreachable');
    expect(stale.value.played.map((p) => p.title)).toEqual(['a', 'b']);
    // The same revision again (a retried push): nothing changes either.
    await room.syncActualSetlist(id, { revision: 2, songs: [entry(1, 'a'), entry(2, 'b')], status: 'live' });
    const after = await room.setlist(id, null);
    if (!after.ok || !seqAfterTwo.ok) throw new Error('setlist failed');
    expect(after.value.seq).toBe(seqAfterTwo.value.seq);
    expect(after.value.status).toBe('live');
    expect(await room.syncActualSetlist(crypto.randomUUID(), { revision: 1, songs: [], status: 'live' })).toMatchObject(
      { ok: false, error: { code: 'not_found' } },
    );
  });
});
