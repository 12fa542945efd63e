/**
 * Finalising never scores without a vote the room has acknowledged (issue #14): the score is computed from
 * Postgres, the votes reach Postgres through the room's outbox, the queue and the consumer, so finalisation first
 * asks the room to see every acknowledged event in Postgres (real room, real queue, real consumer here).
 */
import { describe, expect, it } from 'vitest';
import { addSong, finalize as finalizeShow, markPlayed as markSongPlayed } from './setlist-support';
import { api, createShow, errorOf, eventually, joinRoom, relayFaults, signUp, signUpAs, sql } from './support';

/** The vote consumer's write of vote rows (workers/queue-consumers/src/consumers/vote-events-sql.ts). */
const VOTE_WRITE = 'insert into votes (id';

/** A show with one song on the predicted setlist (already in Postgres), a moderator and a fan in the room. */
async function showWithSong() {
  const { show, songs } = await createShow({ songs: 2 });
  const moderator = await signUpAs('moderator');
  const fan = await signUp();
  const setlistSongId = await addSong(show.id, songs[0]!.id, fan.token);
  await eventually(async () => {
    const rows = (await sql().query('select 1 from setlist_songs where id = $1', [setlistSongId])) as unknown[];
    return rows.length ? true : undefined;
  });
  const socket = await joinRoom(show.id, { token: fan.token });
  /** Votes over the WebSocket and waits for the room's ack. */
  const vote = async () => {
    const id = crypto.randomUUID();
    socket.send({ type: 'vote', id, setlistSongId });
    expect(await socket.next((m) => m.type === 'ack' && m.ref === id)).toMatchObject({ ok: true });
  };
  const markPlayed = async () =>
    expect((await markSongPlayed(show.id, moderator.token, { songId: songs[0]!.id })).status).toBe(201);
  const finalize = () => finalizeShow(show.id, moderator.token);
  /** The fan's acked vote, the song marked played, then finalising: its response. */
  const voteThenFinalize = async () => {
    await vote();
    await markPlayed();
    return finalize();
  };
  return { show, fan, socket, vote, voteThenFinalize, finalize };
}

describe('finalising waits until Postgres holds every vote the room acknowledged', () => {
  it('counts a vote acked a moment before finalising', async () => {
    const { socket, voteThenFinalize } = await showWithSong();
    const res = await voteThenFinalize();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ fans: 1, pointsAwarded: 10, score: { hits: 1, topN: 1 } });
    socket.close();
  });

  it('counts an acked vote the queue dead-lettered (the room sends it again while finalisation waits)', async () => {
    const { fan, socket, voteThenFinalize } = await showWithSong();
    // The consumer's first delivery and its 3 retries fail: the event ends in the dead-letter queue, and only the
    // room still has it (its regular resend comes minutes later).
    await relayFaults({ failSql: 4, match: VOTE_WRITE });
    try {
      const res = await voteThenFinalize();
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ fans: 1, pointsAwarded: 10, score: { hits: 1 } });
    } finally {
      await relayFaults({ failSql: 0 });
    }
    const scores = (await sql().query('select user_id, points from fan_scores where user_id = $1', [fan.user.id])) as {
      user_id: string;
      points: number;
    }[];
    expect(scores).toEqual([{ user_id: fan.user.id, points: 10 }]);
    socket.close();
  });

  it('answers 503 votes_in_flight and scores nothing while the room cannot confirm; scores the vote once it can', async () => {
    const { show, socket, voteThenFinalize, finalize } = await showWithSong();
    await relayFaults({ failSql: 100_000, match: VOTE_WRITE });
    try {
      const res = await voteThenFinalize();
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(0);
      const error = await errorOf(res);
      expect(error).toMatchObject({ code: 'votes_in_flight', details: { pending: 1 } });
      // Nothing was scored, and the setlist is not final.
      expect(await errorOf(await api(`/v1/shows/${show.id}/accuracy`))).toMatchObject({ code: 'not_scored' });
      const state = (await sql().query(
        'select s.status, a.state from shows s left join actual_setlists a on a.show_id = s.id where s.id = $1',
        [show.id],
      )) as { status: string; state: string }[];
      expect(state).toEqual([{ status: 'live', state: 'live' }]);
    } finally {
      await relayFaults({ failSql: 0 });
    }
    const done = await eventually(
      async () => {
        const again = await finalize();
        return again.status === 200 ? again.json() : undefined;
      },
      60_000,
      500,
    );
    expect(done).toMatchObject({ fans: 1, pointsAwarded: 10, score: { hits: 1 } });
    socket.close();
  }, 90_000);

  it('closes voting before it waits: a show with a played song but still open in its room takes no more votes', async () => {
    const { show, socket, vote, finalize } = await showWithSong();
    await vote();
    // A played song written straight to Postgres (as an import does), without the room being told: the show is
    // still upcoming and open to votes in its room.
    await sql().query(
      `insert into played_songs (show_id, position, song_id, title, source)
       select $1, 1, song_id, 'x', 'setlistfm' from setlist_songs where show_id = $1 limit 1`,
      [show.id],
    );
    const res = await finalize();
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ fans: 1, score: { hits: 1 } });
    expect(await socket.next((m) => m.type === 'status')).toMatchObject({ status: 'live', votingOpen: false });
    socket.close();
  });
});
