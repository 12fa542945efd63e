import { describe, expect, it } from 'vitest';
import { api, createShow, errorOf, signUp } from './support';

async function addSong(showId: string, songId: string, token: string) {
  return api(`/v1/shows/${showId}/setlist`, { method: 'POST', token, body: JSON.stringify({ songId }) });
}

async function vote(showId: string, setlistSongId: string, token: string, voteId: string = crypto.randomUUID()) {
  return api(`/v1/shows/${showId}/votes`, { method: 'POST', token, body: JSON.stringify({ setlistSongId, voteId }) });
}

describe('the predicted setlist over HTTP', () => {
  it('adds a catalogue song once; a repeat returns the existing entry', async () => {
    const { show, songs } = await createShow();
    const fan = await signUp();
    const first = await addSong(show.id, songs[0]!.id, fan.token);
    expect(first.status).toBe(201);
    const added = (await first.json()) as { setlistSongId: string; title: string; votes: number };
    expect(added).toMatchObject({ songId: songs[0]!.id, title: songs[0]!.title, votes: 0 });
    const again = await addSong(show.id, songs[0]!.id, (await signUp()).token);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { setlistSongId: string }).setlistSongId).toBe(added.setlistSongId);

    const setlist = (await (await api(`/v1/shows/${show.id}/setlist`)).json()) as {
      songs: unknown[];
      myVotes: unknown[];
    };
    expect(setlist.songs).toHaveLength(1);
    expect(setlist.myVotes).toEqual([]);
  });

  it('refuses a song of another artist with 422 and an unknown song with 404', async () => {
    const { show } = await createShow();
    const other = await createShow();
    const fan = await signUp();
    const wrong = await addSong(show.id, other.songs[0]!.id, fan.token);
    expect(wrong.status).toBe(422);
    expect((await errorOf(wrong)).code).toBe('wrong_artist');
    const unknown = await addSong(show.id, crypto.randomUUID(), fan.token);
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('song_not_found');
  });

  it('requires a session to add or vote, but not to read', async () => {
    const { show, songs } = await createShow();
    expect(
      (await api(`/v1/shows/${show.id}/setlist`, { method: 'POST', body: JSON.stringify({ songId: songs[0]!.id }) }))
        .status,
    ).toBe(401);
    expect((await api(`/v1/shows/${show.id}/setlist`)).status).toBe(200);
    expect((await api(`/v1/shows/${crypto.randomUUID()}/setlist`)).status).toBe(404);
  });

  it('votes once per fan and song; the same vote id repeats the first result; unvote and vote again', async () => {
    const { show, songs } = await createShow();
    const fan = await signUp();
    const { setlistSongId } = (await (await addSong(show.id, songs[1]!.id, fan.token)).json()) as {
      setlistSongId: string;
    };
    const voteId = crypto.randomUUID();

    const first = await vote(show.id, setlistSongId, fan.token, voteId);
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ setlistSongId, voteId, votes: 1 });

    const other = await signUp();
    expect(((await (await vote(show.id, setlistSongId, other.token)).json()) as { votes: number }).votes).toBe(2);

    const repeat = await vote(show.id, setlistSongId, fan.token, voteId);
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toEqual({ setlistSongId, voteId, votes: 1 });

    const second = await vote(show.id, setlistSongId, fan.token);
    expect(second.status).toBe(409);
    expect((await errorOf(second)).code).toBe('already_voted');

    // Someone else's vote id cannot be replayed by another fan.
    const stolen = await vote(show.id, setlistSongId, other.token, voteId);
    expect(stolen.status).toBe(409);
    expect((await errorOf(stolen)).code).toBe('vote_id_conflict');

    const mine = (await (await api(`/v1/shows/${show.id}/setlist`, { token: fan.token })).json()) as {
      myVotes: string[];
      songs: { votes: number }[];
    };
    expect(mine.myVotes).toEqual([setlistSongId]);
    expect(mine.songs[0]!.votes).toBe(2);

    expect(
      (await api(`/v1/shows/${show.id}/votes/${setlistSongId}`, { method: 'DELETE', token: fan.token })).status,
    ).toBe(204);
    // Taking back a vote that is gone is harmless.
    expect(
      (await api(`/v1/shows/${show.id}/votes/${setlistSongId}`, { method: 'DELETE', token: fan.token })).status,
    ).toBe(204);
    const after = (await (await api(`/v1/shows/${show.id}/setlist`, { token: fan.token })).json()) as {
      myVotes: string[];
      songs: { votes: number }[];
    };
    expect(after.myVotes).toEqual([]);
    expect(after.songs[0]!.votes).toBe(1);

    const revote = await vote(show.id, setlistSongId, fan.token);
    expect(revote.status).toBe(201);
    expect(((await revote.json()) as { votes: number }).votes).toBe(2);
  });

  it('refuses votes with voting_closed outside the voting window or after the show', async () => {
    const notYet = await createShow({ votingOpen: false });
    const fan = await signUp();
    const add = await addSong(notYet.show.id, notYet.songs[0]!.id, fan.token);
    expect(add.status).toBe(409);
    expect((await errorOf(add)).code).toBe('voting_closed');

    const done = await createShow({ status: 'completed' });
    const res = await vote(done.show.id, crypto.randomUUID(), fan.token);
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe('voting_closed');
  });

  it('validates ids before reaching the room', async () => {
    const fan = await signUp();
    const res = await api(`/v1/shows/not-a-uuid/votes`, {
      method: 'POST',
      token: fan.token,
      body: JSON.stringify({ setlistSongId: 'x', voteId: 'y' }),
    });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('validation_failed');
  });
});
