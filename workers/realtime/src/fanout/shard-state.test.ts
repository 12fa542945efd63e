import { describe, expect, it } from 'vitest';
import { RESUME_REPLAY_MAX } from '../socket/client-frame';
import type { FanoutBase } from './protocol';
import { ShardState } from './shard-state';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';
const song = (setlistSongId: string, title: string, votes: number) => ({
  setlistSongId,
  songId: setlistSongId,
  title,
  votes,
});

function base(seq = 10): FanoutBase {
  const now = Date.now();
  return {
    seq,
    status: 'upcoming',
    locked: false,
    votingOpensAt: now - 1000,
    votingClosesAt: now + 60_000,
    songs: [song(A, 'Alpha', 1), song(B, 'Beta', 1)],
    played: [],
    viewers: 3,
  };
}

describe("a shard's copy of the room", () => {
  it('applies updates, status and played/unplayed as a client does, and sorts its snapshot like the room', () => {
    const state = new ShardState({ base: base(), log: [] });
    state.apply(
      11,
      JSON.stringify({
        type: 'update',
        seq: 11,
        changes: [{ setlistSongId: B, votes: 4 }],
        added: [song(C, 'Gamma', 1)],
        viewers: 7,
      }),
    );
    state.apply(
      12,
      JSON.stringify({ type: 'played', seq: 12, position: 1, songId: A, setlistSongId: A, title: 'Alpha' }),
    );
    state.apply(
      13,
      JSON.stringify({ type: 'played', seq: 13, position: 2, songId: null, setlistSongId: null, title: 'Jam' }),
    );
    state.apply(14, JSON.stringify({ type: 'unplayed', seq: 14, position: 1, songId: A, title: 'Alpha' }));
    state.apply(15, JSON.stringify({ type: 'status', seq: 15, status: 'upcoming', locked: true, votingOpen: false }));
    const snapshot = state.snapshot([B]);
    expect(snapshot).toMatchObject({ seq: 15, locked: true, votingOpen: false, viewers: 7, myVotes: [B] });
    expect(snapshot.songs.map((s) => [s.title, s.votes])).toEqual([
      ['Beta', 4],
      ['Alpha', 1],
      ['Gamma', 1],
    ]);
    expect(snapshot.played).toEqual([{ position: 1, songId: null, setlistSongId: null, title: 'Jam' }]);
  });

  it('replays at most RESUME_REPLAY_MAX messages from its log; anything else is a snapshot', () => {
    const log = Array.from({ length: 5 }, (_, i) => ({ seq: 6 + i, body: `{"type":"status","seq":${6 + i}}` }));
    const state = new ShardState({ base: base(10), log });
    expect(state.since(10)).toEqual([]);
    expect(state.since(7)).toEqual([log[2]!.body, log[3]!.body, log[4]!.body]);
    expect(state.since(2)).toBeUndefined(); // older than the log
    expect(state.since(11)).toBeUndefined(); // ahead of the room
    for (let seq = 11; seq <= 10 + RESUME_REPLAY_MAX + 5; seq++)
      state.apply(seq, JSON.stringify({ type: 'update', seq, changes: [], added: [] }));
    expect(state.since(state.seq - RESUME_REPLAY_MAX)).toHaveLength(RESUME_REPLAY_MAX);
    expect(state.since(state.seq - RESUME_REPLAY_MAX - 1)).toBeUndefined();
  });
});
