/**
 * A revoked session stops voting on the sockets it already opened (workers/api/src/live/room-sockets.ts): the
 * revoking request answers only after the rooms closed those sockets with 4401, and the user's other sessions'
 * sockets stay open.
 */
import { describe, expect, it } from 'vitest';
import { SESSION_REVOKED_CLOSE_CODE } from '#shared/room-rpc';
import { showWithSong } from './setlist-support';
import { api, connectRoom, deleteAccount, signUp } from './support';

type Ack = { type: 'ack'; ref: string | null; ok: boolean; error?: { code: string } };
const isAck = (ref: string) => (m: Record<string, unknown>) => m.type === 'ack' && m.ref === ref;

async function logIn(email: string, password: string): Promise<string> {
  const res = await api('/v1/auth/login', { method: 'POST', body: JSON.stringify({ email, password }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

/** A signed-in socket with its close code, once it closes. */
async function socket(showId: string, token: string) {
  const room = await connectRoom(showId, { token });
  const closed = new Promise<number>((resolve) => room.ws.addEventListener('close', (e) => resolve(e.code)));
  await room.next((m) => m.type === 'snapshot');
  return { ...room, closed };
}

/** A show with a song, and a fan signed in twice (two sessions), with a socket on the room from each. */
async function fanOnTwoSessions() {
  const { show, setlistSongId } = await showWithSong();
  const fan = await signUp();
  const second = await logIn(fan.user.email, fan.password);
  const first = await socket(show.id, fan.token);
  return { show, setlistSongId, fan, first, second: await socket(show.id, second) };
}

/** Whether `promise` settled within `ms`, and with what. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);
}

/** Votes over the socket: true when acked ok. */
async function votes(room: Awaited<ReturnType<typeof socket>>, setlistSongId: string): Promise<boolean> {
  const id = crypto.randomUUID();
  room.send({ type: 'vote', id, setlistSongId });
  return (await room.next<Ack>(isAck(id))).ok;
}

describe('revoked sessions on open sockets', () => {
  it('log-out closes the sockets of that session, not those of the other sessions', async () => {
    const { setlistSongId, fan, first: mine, second: elsewhere } = await fanOnTwoSessions();

    expect((await api('/v1/auth/logout', { method: 'POST', token: fan.token })).status).toBe(204);
    expect(await within(mine.closed, 2000)).toBe(SESSION_REVOKED_CLOSE_CODE);
    // The user's other device still votes.
    expect(await votes(elsewhere, setlistSongId)).toBe(true);
    expect(await within(elsewhere.closed, 200)).toBe('pending');
    elsewhere.close();
  });

  it('log-out everywhere and a password change close the other sessions’ sockets', async () => {
    const { show, setlistSongId, fan, first: current, second: other } = await fanOnTwoSessions();
    const revoked = await api('/v1/me/sessions', { method: 'DELETE', token: fan.token });
    expect(revoked.status).toBe(200);
    expect(await within(other.closed, 2000)).toBe(SESSION_REVOKED_CLOSE_CODE);
    expect(await within(current.closed, 200)).toBe('pending');

    const third = await logIn(fan.user.email, fan.password);
    const thirdSocket = await socket(show.id, third);
    const changed = await api('/v1/me/password', {
      method: 'POST',
      token: fan.token,
      body: JSON.stringify({ currentPassword: fan.password, newPassword: 'a brand new passphrase' }),
    });
    expect(changed.status).toBe(204);
    expect(await within(thirdSocket.closed, 2000)).toBe(SESSION_REVOKED_CLOSE_CODE);
    expect(await votes(current, setlistSongId)).toBe(true);
    current.close();
  });

  it('account deletion closes every socket of the user', async () => {
    const { show } = await showWithSong();
    const fan = await signUp();
    const room = await socket(show.id, fan.token);
    const deleted = await deleteAccount(fan.token, fan.password);
    expect(deleted.status).toBe(204);
    expect(await within(room.closed, 2000)).toBe(SESSION_REVOKED_CLOSE_CODE);
  });
});
