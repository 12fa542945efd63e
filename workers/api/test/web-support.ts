/** Requests to the web app's pages, in-process through the real app with the worker's bindings. */
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { createApp } from '../src/app';

export const app = createApp();
export const ORIGIN = 'http://mysetlist.test';

/** A page request as a browser sends it (`Accept: text/html` unless given). */
export const page = (path: string, init: RequestInit = {}) => {
  const headers = new Headers(init.headers);
  if (!headers.has('Accept')) headers.set('Accept', 'text/html');
  return app.request(`${ORIGIN}${path}`, { ...init, headers }, env, createExecutionContext());
};
export const cookie = (token: string) => ({ Cookie: `msl_session=${token}` });
/** A same-origin form post. */
export const form = (fields: Record<string, string>, extra: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: ORIGIN, ...extra },
  body: new URLSearchParams(fields).toString(),
});

/** A fan adds a song to a show's predicted setlist and votes for it, through the API in the same app. */
export async function addAndVote(showId: string, songId: string, token: string): Promise<string> {
  const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` };
  const request = (path: string, body: unknown) =>
    app.request(path, { method: 'POST', headers, body: JSON.stringify(body) }, env, createExecutionContext());
  const added = (await (await request(`/v1/shows/${showId}/setlist`, { songId })).json()) as { setlistSongId: string };
  await request(`/v1/shows/${showId}/votes`, { setlistSongId: added.setlistSongId, voteId: crypto.randomUUID() });
  return added.setlistSongId;
}
