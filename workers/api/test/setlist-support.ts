/** The predicted setlist and the actual setlist through the api, as fans and moderators use them. */
import { api, createShow, signUp } from './support';

/** A fan adds a song of the show's artist to its predicted setlist: the new entry's id. */
export async function addSong(showId: string, songId: string, token: string): Promise<string> {
  const res = await api(`/v1/shows/${showId}/setlist`, { method: 'POST', token, body: JSON.stringify({ songId }) });
  if (res.status !== 201) throw new Error(`adding the song failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { setlistSongId: string }).setlistSongId;
}

/** A fan's vote for an entry of the predicted setlist, over HTTP (a fresh vote id: never a retry). */
export function castVote(showId: string, setlistSongId: string, token: string): Promise<Response> {
  return api(`/v1/shows/${showId}/votes`, {
    method: 'POST',
    token,
    body: JSON.stringify({ setlistSongId, voteId: crypto.randomUUID() }),
  });
}

/** A moderator marks a song of the catalogue (`{ songId }`) or any title (`{ title }`) played, live. */
export function markPlayed(showId: string, token: string, body: unknown): Promise<Response> {
  return api(`/v1/shows/${showId}/played`, { method: 'POST', token, body: JSON.stringify(body) });
}

/** A moderator declares the actual setlist final: the show is scored. */
export function finalize(showId: string, token: string): Promise<Response> {
  return api(`/v1/shows/${showId}/actual-setlist/finalize`, { method: 'POST', token });
}

/** A show whose setlist has one song, added by a fan of its own. */
export async function showWithSong() {
  const fixture = await createShow();
  const owner = await signUp();
  const setlistSongId = await addSong(fixture.show.id, fixture.songs[0]!.id, owner.token);
  return { ...fixture, setlistSongId };
}
