import { describe, expect, it } from 'vitest';
import { addSong, castVote, finalize, markPlayed } from './setlist-support';
import { api, connectRoom, createShow, errorOf, joinRoom, signUp, signUpAs, sql } from './support';

const json = (body: unknown) => JSON.stringify(body);

describe('the actual setlist, entered live', () => {
  it('reaches every connected socket as `played`, the show goes live, and a repeat changes nothing', async () => {
    const { show, songs } = await createShow();
    const [moderator, fan] = await Promise.all([signUpAs('moderator'), signUp()]);
    const setlistSongId = await addSong(show.id, songs[1]!.id, fan.token);
    const watcher = await connectRoom(show.id);
    const snapshot = await watcher.next<{ seq: number; played: unknown[] }>((m) => m.type === 'snapshot');
    expect(snapshot.played).toEqual([]);

    const first = await markPlayed(show.id, moderator.token, { songId: songs[1]!.id });
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({
      position: 1,
      songId: songs[1]!.id,
      title: songs[1]!.title,
      setlistSongId,
    });
    // The first song starts the show: voting closes.
    expect(await watcher.next((m) => m.type === 'status')).toMatchObject({ status: 'live', votingOpen: false });
    const played = await watcher.next((m) => m.type === 'played');
    expect(played).toEqual({
      type: 'played',
      seq: expect.any(Number),
      position: 1,
      songId: songs[1]!.id,
      setlistSongId,
      title: songs[1]!.title,
    });

    // Off the catalogue, by title; and a title that matches a catalogue song (ignoring case) is that song.
    const cover = await markPlayed(show.id, moderator.token, { title: 'Heroes (Bowie cover)' });
    expect(cover.status).toBe(201);
    expect(await watcher.next((m) => m.type === 'played')).toMatchObject({
      position: 2,
      songId: null,
      setlistSongId: null,
      title: 'Heroes (Bowie cover)',
    });
    const byTitle = await markPlayed(show.id, moderator.token, { title: songs[0]!.title.toUpperCase() });
    expect(await byTitle.json()).toMatchObject({
      position: 3,
      songId: songs[0]!.id,
      title: songs[0]!.title,
      setlistSongId: null,
    });
    await watcher.next((m) => m.type === 'played');

    const repeat = await markPlayed(show.id, moderator.token, { songId: songs[1]!.id });
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toMatchObject({ position: 1 });
    const rows = (await sql().query(
      'select position, song_id, title, source, marked_by from played_songs where show_id = $1 order by position',
      [show.id],
    )) as Record<string, unknown>[];
    expect(rows).toEqual([
      { position: 1, song_id: songs[1]!.id, title: songs[1]!.title, source: 'moderator', marked_by: moderator.user.id },
      { position: 2, song_id: null, title: 'Heroes (Bowie cover)', source: 'moderator', marked_by: moderator.user.id },
      { position: 3, song_id: songs[0]!.id, title: songs[0]!.title, source: 'moderator', marked_by: moderator.user.id },
    ]);
    const state = (await sql().query(
      'select a.state, s.status from actual_setlists a join shows s on s.id = a.show_id where a.show_id = $1',
      [show.id],
    )) as Record<string, unknown>[];
    expect(state).toEqual([{ state: 'live', status: 'live' }]);
    const voteRefused = await castVote(show.id, setlistSongId, fan.token);
    expect((await errorOf(voteRefused)).code).toBe('voting_closed');
    // The repeat was not broadcast again.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(watcher.inbox.filter((m) => m.type === 'played')).toEqual([]);
    watcher.close();
  });

  it('the show detail carries the actual setlist with its revision, fresh after each mark and undo', async () => {
    const { show, songs } = await createShow();
    const moderator = await signUpAs('moderator');
    type Detail = { actualSetlist: { state: string; revision: number; songs: { position: number; songId: string }[] } };
    const detail = async () => (await (await api(`/v1/shows/${show.slug}`)).json()) as Detail;
    expect((await detail()).actualSetlist).toMatchObject({ state: 'none', revision: 0, songs: [] });
    for (const song of songs.slice(0, 2))
      expect((await markPlayed(show.id, moderator.token, { songId: song.id })).status).toBe(201);
    const marked = (await detail()).actualSetlist;
    expect(marked.state).toBe('live');
    expect(marked.revision).toBe(2);
    expect(marked.songs.map((s) => [s.position, s.songId])).toEqual([
      [1, songs[0]!.id],
      [2, songs[1]!.id],
    ]);
    expect((await api(`/v1/shows/${show.id}/played/last`, { method: 'DELETE', token: moderator.token })).status).toBe(
      200,
    );
    const undone = (await detail()).actualSetlist;
    expect(undone.revision).toBe(3);
    expect(undone.songs.map((s) => s.songId)).toEqual([songs[0]!.id]);
  });

  it('undoes one position (the later songs move up) and the last one; sockets hear `unplayed`', async () => {
    const { show, songs } = await createShow();
    const moderator = await signUpAs('moderator');
    for (const song of songs.slice(0, 4))
      expect((await markPlayed(show.id, moderator.token, { songId: song.id })).status).toBe(201);
    const watcher = await joinRoom(show.id);

    const undo = await api(`/v1/shows/${show.id}/played/2`, { method: 'DELETE', token: moderator.token });
    expect(undo.status).toBe(200);
    const body = (await undo.json()) as {
      removed: { songId: string };
      actualSetlist: { songs: { position: number; songId: string }[] };
    };
    expect(body.removed.songId).toBe(songs[1]!.id);
    expect(body.actualSetlist.songs.map((s) => [s.position, s.songId])).toEqual([
      [1, songs[0]!.id],
      [2, songs[2]!.id],
      [3, songs[3]!.id],
    ]);
    expect(await watcher.next((m) => m.type === 'unplayed')).toMatchObject({ position: 2, songId: songs[1]!.id });

    expect((await api(`/v1/shows/${show.id}/played/last`, { method: 'DELETE', token: moderator.token })).status).toBe(
      200,
    );
    expect(await watcher.next((m) => m.type === 'unplayed')).toMatchObject({ position: 3, songId: songs[3]!.id });
    const actual = (await (await api(`/v1/shows/${show.id}/actual-setlist`)).json()) as {
      state: string;
      songs: { position: number; songId: string }[];
    };
    expect(actual.state).toBe('live');
    expect(actual.songs.map((s) => [s.position, s.songId])).toEqual([
      [1, songs[0]!.id],
      [2, songs[2]!.id],
    ]);
    // A song marked after the undo takes the next position.
    expect(await (await markPlayed(show.id, moderator.token, { songId: songs[4]!.id })).json()).toMatchObject({
      position: 3,
    });
    watcher.close();
  });

  it('a client that missed `played` messages gets them on resume; a fresh snapshot has the whole setlist', async () => {
    const { show, songs } = await createShow();
    const moderator = await signUpAs('moderator');
    const first = await connectRoom(show.id);
    const snapshot = await first.next<{ seq: number }>((m) => m.type === 'snapshot');
    first.close();

    await markPlayed(show.id, moderator.token, { songId: songs[0]!.id });
    await markPlayed(show.id, moderator.token, { songId: songs[2]!.id });

    // Reconnecting with ?since: the missed messages in seq order, no snapshot.
    const back = await connectRoom(show.id, { since: snapshot.seq });
    // (The room may also have broadcast a viewer count `update` meanwhile: it is part of the same sequence.)
    const missed: Record<string, unknown>[] = [];
    while (missed.filter((m) => m.type === 'played').length < 2) missed.push(await back.next());
    expect(missed.map((m) => m.type)).not.toContain('snapshot');
    expect(missed.map((m) => m.seq)).toEqual(missed.map((_, i) => snapshot.seq + 1 + i));
    expect(missed.find((m) => m.type === 'status')).toMatchObject({ status: 'live' });
    const playedMessages = missed.filter((m) => m.type === 'played');
    expect(playedMessages.map((m) => [m.position, m.songId])).toEqual([
      [1, songs[0]!.id],
      [2, songs[2]!.id],
    ]);
    // The same over the `resume` message: everything after the first `played`.
    const lastSeq = Number(missed.at(-1)!.seq);
    back.inbox.length = 0;
    back.send({ type: 'resume', since: Number(playedMessages[0]!.seq) });
    expect(await back.next((m) => m.type !== 'update')).toMatchObject({
      type: 'played',
      position: 2,
      seq: playedMessages[1]!.seq,
    });
    back.close();

    const fresh = await connectRoom(show.id);
    const now = await fresh.next<{ seq: number; status: string; played: { position: number; songId: string }[] }>(
      (m) => m.type === 'snapshot',
    );
    expect(now.seq).toBeGreaterThanOrEqual(lastSeq);
    expect(now.status).toBe('live');
    expect(now.played.map((p) => [p.position, p.songId])).toEqual([
      [1, songs[0]!.id],
      [2, songs[2]!.id],
    ]);
    fresh.close();
  });

  it('a room that starts from Postgres has the actual setlist, its revision and the result', async () => {
    const { show, songs } = await createShow({ status: 'completed' });
    const moderator = await signUpAs('moderator');
    await sql().query(
      `insert into played_songs (show_id, position, song_id, title, source) values ($1, 1, $2, $3, 'setlistfm'), ($1, 2, null, 'A cover', 'setlistfm')`,
      [show.id, songs[0]!.id, songs[0]!.title],
    );
    await sql().query(
      `insert into actual_setlists (show_id, state, source, revision, finalized_at) values ($1, 'final', 'setlistfm', 7, now())`,
      [show.id],
    );
    await sql().query(
      `insert into show_accuracy (show_id, top_n, precision, recall, position_bonus, score, details) values ($1, 2, 0.5, 0.5, 0.25, 45, '{"hits": 1, "predicted": [], "played": [{}, {}]}')`,
      [show.id],
    );
    const room = await connectRoom(show.id);
    expect(await room.next((m) => m.type === 'snapshot')).toMatchObject({
      status: 'completed',
      played: [
        { position: 1, songId: songs[0]!.id, setlistSongId: null, title: songs[0]!.title },
        { position: 2, songId: null, setlistSongId: null, title: 'A cover' },
      ],
      result: { topN: 2, hits: 1, played: 2, precision: 0.5, recall: 0.5, positionBonus: 0.25, score: 45 },
    });
    // Re-finalising pushes revision 8 with the same list (no played/unplayed) and a new result: nobody voted here.
    expect((await finalize(show.id, moderator.token)).status).toBe(200);
    const result = await room.next((m) => m.type === 'result');
    expect(result).toMatchObject({ topN: 2, hits: 0, played: 2, score: 0 });
    expect(room.inbox.filter((m) => m.type === 'played' || m.type === 'unplayed')).toEqual([]);
    room.close();
  });

  it('is for moderators and admins: fans get 403, anonymous callers 401', async () => {
    const { show, songs } = await createShow();
    const [fan, admin] = await Promise.all([signUp(), signUpAs('admin')]);
    expect(
      (await api(`/v1/shows/${show.id}/played`, { method: 'POST', body: json({ songId: songs[0]!.id }) })).status,
    ).toBe(401);
    const forbidden = await markPlayed(show.id, fan.token, { songId: songs[0]!.id });
    expect(forbidden.status).toBe(403);
    expect((await errorOf(forbidden)).code).toBe('forbidden');
    expect((await api(`/v1/shows/${show.id}/played/last`, { method: 'DELETE', token: fan.token })).status).toBe(403);
    expect((await finalize(show.id, fan.token)).status).toBe(403);
    expect((await markPlayed(show.id, admin.token, { songId: songs[0]!.id })).status).toBe(201);
    const rows = (await sql().query('select count(*)::int as n from played_songs where show_id = $1', [show.id])) as {
      n: number;
    }[];
    expect(rows[0]!.n).toBe(1);
  });

  it('answers bad input with 4xx JSON errors', async () => {
    const [{ show, songs }, other] = await Promise.all([createShow(), createShow()]);
    const moderator = await signUpAs('moderator');
    const cases: [Response, number, string][] = [
      [await markPlayed(show.id, moderator.token, {}), 400, 'validation_failed'],
      [await markPlayed(show.id, moderator.token, { songId: songs[0]!.id, title: 'Both' }), 400, 'validation_failed'],
      [await markPlayed(show.id, moderator.token, { title: '   ' }), 400, 'validation_failed'],
      [await markPlayed(show.id, moderator.token, { songId: 'not-a-uuid' }), 400, 'validation_failed'],
      [
        await api(`/v1/shows/${show.id}/played`, { method: 'POST', token: moderator.token, body: '{"songId":' }),
        400,
        'malformed_json',
      ],
      [await markPlayed(show.id, moderator.token, { songId: crypto.randomUUID() }), 404, 'song_not_found'],
      [await markPlayed(show.id, moderator.token, { songId: other.songs[0]!.id }), 422, 'wrong_artist'],
      [await markPlayed(crypto.randomUUID(), moderator.token, { title: 'Anything' }), 404, 'not_found'],
      [
        await api(`/v1/shows/${show.id}/played/0`, { method: 'DELETE', token: moderator.token }),
        400,
        'validation_failed',
      ],
      [
        await api(`/v1/shows/${show.id}/played/first`, { method: 'DELETE', token: moderator.token }),
        400,
        'validation_failed',
      ],
      [await api(`/v1/shows/${show.id}/played/last`, { method: 'DELETE', token: moderator.token }), 404, 'not_played'],
      [await finalize(show.id, moderator.token), 409, 'nothing_played'],
      [await api(`/v1/shows/${show.id}/accuracy`), 404, 'not_scored'],
      [await api(`/v1/shows/${crypto.randomUUID()}/accuracy`), 404, 'not_found'],
      [await api(`/v1/shows/${crypto.randomUUID()}/actual-setlist`), 404, 'not_found'],
      [await api('/v1/shows/nope/actual-setlist'), 400, 'validation_failed'],
    ];
    for (const [res, status, code] of cases) {
      expect(res.status, `${res.url}: ${status} ${code}`).toBe(status);
      expect(res.headers.get('Content-Type')).toContain('application/json');
      expect((await errorOf(res)).code, res.url).toBe(code);
    }
    const none = (await (await api(`/v1/shows/${show.id}/actual-setlist`)).json()) as {
      state: string;
      songs: unknown[];
    };
    expect(none).toMatchObject({ state: 'none', songs: [] });
  });

  it('cannot change a final setlist, nor a cancelled show', async () => {
    const [{ show, songs }, cancelled] = await Promise.all([createShow(), createShow({ status: 'cancelled' })]);
    const moderator = await signUpAs('moderator');
    await markPlayed(show.id, moderator.token, { songId: songs[0]!.id });
    expect((await finalize(show.id, moderator.token)).status).toBe(200);
    const late = await markPlayed(show.id, moderator.token, { songId: songs[1]!.id });
    expect(late.status).toBe(409);
    expect((await errorOf(late)).code).toBe('setlist_final');
    expect(
      (await errorOf(await api(`/v1/shows/${show.id}/played/last`, { method: 'DELETE', token: moderator.token }))).code,
    ).toBe('setlist_final');
    const refused = await markPlayed(cancelled.show.id, moderator.token, { songId: cancelled.songs[0]!.id });
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).code).toBe('show_not_live');
  });
});
