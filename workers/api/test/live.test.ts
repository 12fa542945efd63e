import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { openHttpSql } from '#shared/db/client';
import { api, connectRoom, createShow, errorOf, joinRoom, signUp } from './support';

describe('GET /v1/shows/{showId}/live', () => {
  it('hands an anonymous WebSocket to the show room, which answers with a snapshot', async () => {
    const { show } = await createShow();
    const room = await connectRoom(show.id);
    const snapshot = await room.next((m) => m.type === 'snapshot');
    expect(snapshot).toMatchObject({
      type: 'snapshot',
      seq: 0,
      status: 'upcoming',
      songs: [],
      myVotes: [],
      votingOpen: true,
    });
    room.close();
  });

  it('authenticates the socket by bearer token, and refuses to vote anonymously', async () => {
    const { show } = await createShow();
    const fan = await signUp();
    const signedIn = await joinRoom(show.id, { token: fan.token });
    signedIn.send({ type: 'ping', id: 'p1' });
    expect(await signedIn.next((m) => m.type === 'pong')).toEqual({ type: 'pong', id: 'p1' });

    const anonymous = await joinRoom(show.id);
    anonymous.send({ type: 'vote', id: crypto.randomUUID(), setlistSongId: crypto.randomUUID() });
    expect(await anonymous.next((m) => m.type === 'ack')).toMatchObject({
      ok: false,
      error: { code: 'unauthenticated' },
    });
    signedIn.close();
    anonymous.close();
  });

  it('joins a signed-in fan without opening a Postgres connection, and records the room for revocation', async () => {
    const { show } = await createShow();
    const fan = await signUp();
    await fetch(`http://${env.DB_RELAY}/__relay/stats`, { method: 'DELETE' });
    const socket = await joinRoom(show.id, { token: fan.token });
    const { wsConnections } = (await (await fetch(`http://${env.DB_RELAY}/__relay/stats`)).json()) as {
      wsConnections: number;
    };
    // The session read and the join record are one HTTP round trip each: a WebSocket means a new connection.
    expect(wsConnections).toBe(0);
    const rows = await openHttpSql(env).query('select 1 from live_room_users where user_id = $1 and show_id = $2', [
      fan.user.id,
      show.id,
    ]);
    expect(rows).toHaveLength(1);
    socket.close();
  });

  it('records a reconnecting fan once: the join record costs no round trip for 5 minutes', async () => {
    const { show } = await createShow();
    const fan = await signUp();
    const first = await joinRoom(show.id, { token: fan.token });
    first.close();
    await fetch(`http://${env.DB_RELAY}/__relay/stats`, { method: 'DELETE' });
    const again = await joinRoom(show.id, { token: fan.token });
    const { sqlRequests, wsConnections } = (await (await fetch(`http://${env.DB_RELAY}/__relay/stats`)).json()) as {
      sqlRequests: number;
      wsConnections: number;
    };
    // The session is in this isolate's cache, the show is known, and the join was recorded a moment ago.
    expect({ sqlRequests, wsConnections }).toEqual({ sqlRequests: 0, wsConnections: 0 });
    again.close();
  });

  it('answers an unknown show with 404 and a non-upgrade request with 426', async () => {
    const missing = await api(`/v1/shows/${crypto.randomUUID()}/live`, { headers: { Upgrade: 'websocket' } });
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe('not_found');
    const plain = await api(`/v1/shows/${crypto.randomUUID()}/live`);
    expect(plain.status).toBe(426);
    expect((await errorOf(plain)).code).toBe('upgrade_required');
  });

  it('answers an invalid show id with 400 before the upgrade check, and never rejects its query parameters', async () => {
    for (const headers of [{ Upgrade: 'websocket' }, {}] as Record<string, string>[]) {
      const invalid = await api('/v1/shows/not-a-uuid/live', { headers });
      expect(invalid.status).toBe(400);
      expect((await errorOf(invalid)).code).toBe('validation_failed');
    }
    // `since` that is not a count gets a snapshot, a repeated `token` the first one: as before the route was described.
    const { show } = await createShow();
    const res = await api(`/v1/shows/${show.id}/live?since=soon&since=-1&token=&token=x`, {
      headers: { Upgrade: 'websocket' },
    });
    expect(res.status).toBe(101);
    res.webSocket!.accept();
    res.webSocket!.close();
  });
});
