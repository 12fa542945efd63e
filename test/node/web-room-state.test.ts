/** The show page's live model (workers/api/client/lib/room-state.ts): optimistic votes, acks, updates, resume gaps. */
import { describe, expect, it } from 'vitest';
import { RoomState } from '../../workers/api/client/lib/room-state';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const song = (setlistSongId: string, votes: number) => ({
  setlistSongId,
  songId: setlistSongId.replace('-8000-', '-9000-'),
  title: `Song ${setlistSongId.slice(-1)}`,
  votes,
});

function room() {
  const state = new RoomState();
  state.apply({
    type: 'snapshot',
    seq: 5,
    status: 'upcoming',
    locked: false,
    votingOpen: true,
    songs: [song(A, 3), song(B, 2)],
    myVotes: [],
    viewers: 2,
    played: [],
  });
  return state;
}
const votesOf = (state: RoomState, id: string) => state.display().find((s) => s.setlistSongId === id)!;

describe('RoomState', () => {
  it('shows a vote at once, then keeps the count the ack confirms', () => {
    const state = room();
    expect(state.begin('v1', 'vote', B)).toBe(true);
    expect(votesOf(state, B)).toMatchObject({ votes: 3, mine: true, pending: true });
    // A second click on the same song while the first is on its way is ignored.
    expect(state.begin('v2', 'unvote', B)).toBe(false);
    state.apply({
      type: 'ack',
      ref: 'v1',
      ok: true,
      result: { setlistSongId: B, votes: 3, voteId: 'v1', repeated: false },
    });
    expect(votesOf(state, B)).toMatchObject({ votes: 3, mine: true, pending: false });
    // Ties keep the server's order; a later update reorders.
    state.apply({ type: 'update', seq: 6, changes: [{ setlistSongId: B, votes: 4 }], added: [], viewers: 3 });
    expect(state.display().map((s) => s.setlistSongId)).toEqual([B, A]);
    expect(state.viewers).toBe(3);
  });

  it('rolls an optimistic vote back on an error ack', () => {
    const state = room();
    state.begin('v1', 'vote', A);
    expect(votesOf(state, A).votes).toBe(4);
    const applied = state.apply({
      type: 'ack',
      ref: 'v1',
      ok: false,
      error: { code: 'voting_closed', message: 'A moderator has locked this room.' },
    });
    expect(applied.refused).toMatchObject({ code: 'voting_closed', pending: { kind: 'vote', setlistSongId: A } });
    expect(votesOf(state, A)).toMatchObject({ votes: 3, mine: false, pending: false });
  });

  it('already_voted: the count rolls back and the song shows as voted', () => {
    const state = room();
    state.begin('v1', 'vote', A);
    state.apply({
      type: 'ack',
      ref: 'v1',
      ok: false,
      error: { code: 'already_voted', message: 'You have already voted for this song.' },
    });
    expect(votesOf(state, A)).toMatchObject({ votes: 3, mine: true });
  });

  it('a pending vote already counted by a fresh snapshot is not counted twice; a repeated ack keeps newer counts', () => {
    const state = room();
    state.begin('v1', 'vote', A);
    state.apply({
      type: 'snapshot',
      seq: 9,
      status: 'upcoming',
      locked: false,
      votingOpen: true,
      songs: [song(A, 6), song(B, 2)],
      myVotes: [A],
      viewers: 1,
      played: [],
    });
    expect(votesOf(state, A)).toMatchObject({ votes: 6, mine: true });
    state.apply({
      type: 'ack',
      ref: 'v1',
      ok: true,
      result: { setlistSongId: A, votes: 4, voteId: 'v1', repeated: true },
    });
    expect(votesOf(state, A).votes).toBe(6);
  });

  it('takes a vote back optimistically', () => {
    const state = room();
    state.apply({
      type: 'snapshot',
      seq: 1,
      status: 'upcoming',
      locked: false,
      votingOpen: true,
      songs: [song(A, 3)],
      myVotes: [A],
      viewers: 1,
      played: [],
    });
    state.begin('u1', 'unvote', A);
    expect(votesOf(state, A)).toMatchObject({ votes: 2, mine: false });
    state.apply({ type: 'ack', ref: 'u1', ok: true, result: { setlistSongId: A, votes: 2 } });
    expect(votesOf(state, A)).toMatchObject({ votes: 2, mine: false, pending: false });
  });

  it('asks for a resume on a seq gap and ignores replays it already applied', () => {
    const state = room();
    expect(state.apply({ type: 'update', seq: 8, changes: [{ setlistSongId: A, votes: 9 }], added: [] }).gap).toBe(
      true,
    );
    expect(votesOf(state, A).votes).toBe(3);
    state.apply({
      type: 'update',
      seq: 6,
      changes: [{ setlistSongId: A, votes: 4 }],
      added: [song('00000000-0000-4000-8000-00000000000c', 0)],
    });
    expect(
      state.apply({ type: 'update', seq: 6, changes: [{ setlistSongId: A, votes: 1 }], added: [] }).changed,
    ).toEqual([]);
    expect(votesOf(state, A).votes).toBe(4);
    expect(state.display()).toHaveLength(3);
  });

  it('the actual setlist: played and unplayed in seq order, then the result', () => {
    const state = room();
    const played = state.apply({
      type: 'played',
      seq: 6,
      position: 1,
      songId: null,
      title: 'Song a',
      setlistSongId: A,
    });
    expect(played.playedNow).toMatchObject({ position: 1, setlistSongId: A });
    state.apply({ type: 'played', seq: 7, position: 2, songId: null, title: 'A cover', setlistSongId: null });
    state.apply({ type: 'played', seq: 8, position: 3, songId: null, title: 'Song b', setlistSongId: B });
    // Undo of #2: the song after it moves up.
    state.apply({ type: 'unplayed', seq: 9, position: 2, songId: null, title: 'A cover' });
    expect(state.played.map((p) => [p.position, p.title])).toEqual([
      [1, 'Song a'],
      [2, 'Song b'],
    ]);
    // A played message after a gap is not applied: the page resumes first.
    expect(
      state.apply({ type: 'played', seq: 12, position: 3, songId: null, title: 'Later', setlistSongId: null }).gap,
    ).toBe(true);
    expect(state.played).toHaveLength(2);
    const scored = state.apply({
      type: 'result',
      seq: 10,
      topN: 2,
      hits: 2,
      played: 2,
      precision: 1,
      recall: 1,
      positionBonus: 1,
      score: 100,
    });
    expect(scored.scored).toBe(true);
    expect(state.result?.score).toBe(100);
    // An update after them continues the same sequence.
    expect(state.apply({ type: 'update', seq: 11, changes: [], added: [] }).gap).toBeUndefined();
  });

  it('status messages open and close voting', () => {
    const state = room();
    state.apply({ type: 'status', seq: 6, status: 'upcoming', locked: true, votingOpen: false });
    expect(state).toMatchObject({ locked: true, votingOpen: false, seq: 6 });
  });
});
