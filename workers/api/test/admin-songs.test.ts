/**
 * Admins change and remove songs of an artist's catalogue (routes/admin-catalog.ts, catalog/songs.ts): through
 * the real worker, rooms, vote-events queue and consumer, and Postgres.
 */
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import * as schema from '#shared/db/schema';
import type { Song, SongRemoval } from '#shared/schemas/catalog';
import { api, createShow, errorOf, eventually, signUp, signUpAs, sql, testDb } from './support';

type Account = Awaited<ReturnType<typeof signUp>>;
let admin: Account;
let fan: Account;

beforeAll(async () => {
  [admin, fan] = await Promise.all([signUpAs('admin'), signUp()]);
});

const send = (method: string, path: string, who: Account | null, body?: unknown) =>
  api(path, {
    method,
    ...(who ? { token: who.token } : {}),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
const patchSong = (id: string, body: unknown, who: Account | null = admin) =>
  send('PATCH', `/v1/admin/songs/${id}`, who, body);
const removeSong = (id: string, who: Account | null = admin) => send('DELETE', `/v1/admin/songs/${id}`, who);
const auditOf = (action: string, targetId: string) =>
  testDb()
    .select()
    .from(schema.auditLog)
    .where(and(eq(schema.auditLog.action, action), eq(schema.auditLog.targetId, targetId)));
const catalogueOf = async (artistId: string, q?: string) =>
  (
    (await (await api(`/v1/artists/${artistId}/songs${q ? `?q=${encodeURIComponent(q)}` : ''}`)).json()) as {
      items: Song[];
    }
  ).items.map((s) => s.title);

describe('PATCH /v1/admin/songs/{id}', () => {
  it('changes a song, audited, and the catalogue shows it', async () => {
    const { artist, songs } = await createShow({ songs: 2 });
    const song = songs[0]!;
    const res = await patchSong(song.id, {
      title: ' Night Harbour (Acoustic) ',
      album: 'Harbour',
      durationMs: 241_000,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toEqual({
      id: song.id,
      artistId: artist.id,
      title: 'Night Harbour (Acoustic)',
      album: 'Harbour',
      durationMs: 241_000,
      spotifyId: null,
      isrc: null,
    });
    const [audit] = await auditOf('song.update', song.id);
    expect(audit?.actorId).toBe(admin.user.id);
    expect(audit?.details).toEqual({
      artistId: artist.id,
      from: { title: song.title, album: null, durationMs: null },
      to: { title: 'Night Harbour (Acoustic)', album: 'Harbour', durationMs: 241_000 },
    });
    expect(await catalogueOf(artist.id)).toContain('Night Harbour (Acoustic)');
    expect(await catalogueOf(artist.id)).not.toContain(song.title);
    // null clears an optional field.
    const cleared = (await (await patchSong(song.id, { album: null })).json()) as Song;
    expect(cleared.album).toBeNull();
    const [row] = await testDb().select().from(schema.songs).where(eq(schema.songs.id, song.id));
    expect(row!.editedAt).not.toBeNull();
  });

  it('answers bad input, an unknown song and a taken title or Spotify id with 4xx JSON', async () => {
    const { songs } = await createShow({ songs: 2 });
    const [a, b] = [songs[0]!, songs[1]!];
    for (const body of [
      {},
      { title: '' },
      { title: null },
      { isrc: 'not-an-isrc' },
      { durationMs: -1 },
      { title: 7 },
    ]) {
      const bad = await patchSong(a.id, body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(bad)).code).toBe('validation_failed');
    }
    const notUuid = await send('PATCH', '/v1/admin/songs/not-a-uuid', admin, { title: 'x' });
    expect(notUuid.status).toBe(400);
    const unknown = await patchSong(crypto.randomUUID(), { title: 'x' });
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('not_found');

    // Another song's title, in other letter case: 409 naming the song that has it.
    const taken = await patchSong(a.id, { title: b.title.toUpperCase() });
    expect(taken.status).toBe(409);
    const error = await errorOf(taken);
    expect(error.code).toBe('duplicate_title');
    expect(error.details).toEqual({ songId: b.id, title: b.title });
    // Its own title (a change of case) is no duplicate.
    expect((await patchSong(a.id, { title: a.title.toUpperCase() })).status).toBe(200);

    const spotifyId = `sp${crypto.randomUUID().slice(0, 12)}`;
    expect((await patchSong(b.id, { spotifyId })).status).toBe(200);
    const clash = await patchSong(a.id, { spotifyId });
    expect(clash.status).toBe(409);
    expect((await errorOf(clash)).code).toBe('already_exists');
  });

  it('is for admins only', async () => {
    const { songs } = await createShow({ songs: 1 });
    const moderator = await signUpAs('moderator');
    expect((await patchSong(songs[0]!.id, { title: 'x' }, null)).status).toBe(401);
    expect((await patchSong(songs[0]!.id, { title: 'x' }, fan)).status).toBe(403);
    expect((await patchSong(songs[0]!.id, { title: 'x' }, moderator)).status).toBe(403);
    expect((await removeSong(songs[0]!.id, moderator)).status).toBe(403);
    expect((await removeSong(songs[0]!.id, null)).status).toBe(401);
  });
});

describe('POST /v1/admin/artists/{id}/songs', () => {
  it('refuses a title the catalogue has, but not one that was removed', async () => {
    const { artist, songs } = await createShow({ songs: 1 });
    const add = (title: string) => send('POST', `/v1/admin/artists/${artist.id}/songs`, admin, { title });
    const again = await add(` ${songs[0]!.title.toLowerCase()} `);
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe('duplicate_title');
    expect((await removeSong(songs[0]!.id)).status).toBe(200);
    expect((await add(songs[0]!.title)).status).toBe(201);
  });
});

describe('DELETE /v1/admin/songs/{id}', () => {
  it('takes the song out of the catalogue and keeps every setlist entry and vote fans made for it', async () => {
    const { artist, show, songs } = await createShow({ songs: 3 });
    const [voted, cached] = [songs[0]!, songs[1]!];
    const other = await signUp();
    // Fans add the song and vote for it; the votes reach Postgres.
    const added = await send('POST', `/v1/shows/${show.id}/setlist`, fan, { songId: voted.id });
    const { setlistSongId } = (await added.json()) as { setlistSongId: string };
    for (const who of [fan, other])
      expect(
        (await send('POST', `/v1/shows/${show.id}/votes`, who, { setlistSongId, voteId: crypto.randomUUID() })).status,
      ).toBe(201);
    const persisted = async (id: string) =>
      (await sql().query('select count(*)::int as n from votes where setlist_song_id = $1 and active', [id])) as {
        n: number;
      }[];
    await eventually(async () => ((await persisted(setlistSongId))[0]!.n === 2 ? true : undefined), 15_000);

    const res = await removeSong(voted.id);
    expect(res.status, await res.clone().text()).toBe(200);
    const removal = (await res.json()) as SongRemoval;
    expect(removal).toMatchObject({
      song: { id: voted.id, title: voted.title, artistId: artist.id },
      kept: { setlistEntries: 1, activeVotes: 2, playedAt: 0 },
    });
    const [audit] = await auditOf('song.remove', voted.id);
    expect(audit?.details).toEqual({ artistId: artist.id, title: voted.title, kept: removal.kept });

    // Gone from the catalogue and its search…
    expect(await catalogueOf(artist.id)).not.toContain(voted.title);
    expect(await catalogueOf(artist.id, voted.title)).not.toContain(voted.title);
    const detail = (await (await api(`/v1/artists/${artist.id}`)).json()) as { songs: Song[] };
    expect(detail.songs.map((s) => s.id)).not.toContain(voted.id);
    // …but the votes, the setlist entry, the room and the show page keep it.
    expect((await persisted(setlistSongId))[0]!.n).toBe(2);
    const room = (await (await api(`/v1/shows/${show.id}/setlist`)).json()) as {
      songs: { setlistSongId: string; votes: number }[];
    };
    expect(room.songs.find((s) => s.setlistSongId === setlistSongId)?.votes).toBe(2);
    const page = (await (await api(`/v1/shows/${show.id}`)).json()) as {
      predictedSetlist: { top: { setlistSongId: string; title: string }[] };
    };
    expect(page.predictedSetlist.top.find((s) => s.setlistSongId === setlistSongId)?.title).toBe(voted.title);

    // A room that loaded the catalogue before the removal may still take the song: that vote is kept too.
    expect((await removeSong(cached.id)).status).toBe(200);
    const late = await send('POST', `/v1/shows/${show.id}/setlist`, other, { songId: cached.id });
    expect(late.status).toBe(201);
    const entry = (await late.json()) as { setlistSongId: string };
    const vote = { setlistSongId: entry.setlistSongId, voteId: crypto.randomUUID() };
    expect((await send('POST', `/v1/shows/${show.id}/votes`, other, vote)).status).toBe(201);
    await eventually(async () => ((await persisted(entry.setlistSongId))[0]!.n === 1 ? true : undefined), 15_000);

    // A room that loads afterwards does not offer it, and no fan can add it there.
    const { show: later } = await createShowFor(artist.id);
    const refused = await send('POST', `/v1/shows/${later}/setlist`, fan, { songId: voted.id });
    expect(refused.status).toBe(404);
    expect((await errorOf(refused)).code).toBe('song_not_found');

    // Removing again answers the same and audits nothing more; a removed song cannot be changed; unknown: 404.
    const again = await removeSong(voted.id);
    expect(again.status).toBe(200);
    expect(((await again.json()) as SongRemoval).removedAt).toBe(removal.removedAt);
    expect(await auditOf('song.remove', voted.id)).toHaveLength(1);
    expect((await patchSong(voted.id, { title: 'Back' })).status).toBe(404);
    const restore = (id: string) => send('POST', `/v1/admin/songs/${id}/restore`, admin);
    expect((await restore(crypto.randomUUID())).status).toBe(404);
    // Restored: back in the catalogue, audited once; restoring again changes nothing.
    const back = await restore(voted.id);
    expect(back.status, await back.clone().text()).toBe(200);
    expect(((await back.json()) as Song).id).toBe(voted.id);
    expect(await catalogueOf(artist.id)).toContain(voted.title);
    expect((await restore(voted.id)).status).toBe(200);
    expect(await auditOf('song.restore', voted.id)).toHaveLength(1);
    expect((await send('POST', `/v1/shows/${later}/setlist`, fan, { songId: voted.id })).status).toBe(201);
    // A removed song whose title the catalogue has again cannot come back: 409 naming the one that has it.
    expect((await removeSong(voted.id)).status).toBe(200);
    const twin = await send('POST', `/v1/admin/artists/${artist.id}/songs`, admin, { title: voted.title });
    expect(twin.status).toBe(201);
    const clash = await restore(voted.id);
    expect(clash.status).toBe(409);
    expect((await errorOf(clash)).details).toMatchObject({ songId: ((await twin.json()) as Song).id });
    const unknown = await removeSong(crypto.randomUUID());
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('not_found');
    expect((await send('DELETE', '/v1/admin/songs/nope', admin)).status).toBe(400);
  });
});

/** Another upcoming show of the artist, voting open, whose room has not loaded yet. */
async function createShowFor(artistId: string): Promise<{ show: string }> {
  const tag = crypto.randomUUID().slice(0, 8);
  const db = testDb();
  const [venue] = await db
    .insert(schema.venues)
    .values({ slug: `venue-${tag}`, name: `Venue ${tag}`, city: 'Berlin', country: 'DE', timeZone: 'Europe/Berlin' })
    .returning();
  const now = Date.now();
  const [show] = await db
    .insert(schema.shows)
    .values({
      slug: `show-${tag}`,
      artistId,
      venueId: venue!.id,
      startsAt: new Date(now + 7 * 86_400_000),
      votingOpensAt: new Date(now - 86_400_000),
      votingClosesAt: new Date(now + 7 * 86_400_000),
    })
    .returning();
  return { show: show!.id };
}
