/**
 * The actual setlist in Postgres (the system of record for it), and pushing it to the show's room.
 *
 * Every change runs in one transaction that first locks the show's row: marks, undos and finalisations of one
 * show are serialised, so positions stay 1..n without gaps and a finalisation never races a late mark. Each
 * change bumps `actual_setlists.revision`; the room applies only revisions newer than its own.
 */
import { and, asc, eq, gt, max, sql } from 'drizzle-orm';
import type { PrimaryDatabase } from '../db/client';
import { actualSetlists, playedSongs, setlistSongs, shows, songs } from '../db/schema';
import { ApiError, errors } from '../errors';
import type { ActualSetlistUpdate, RoomResult } from '../room-rpc';
import type { RoomPlayed } from '../schemas/room';
import type { ActualSetlistView, PlayedEntry, PlayedSong } from '../schemas/scoring';
import type { ShowStatus } from '../schemas/shows';

type Transaction = Parameters<Parameters<PrimaryDatabase['transaction']>[0]>[0];
/** Anything that can select: the primary, a transaction, or the replicas (`Database`). */
type Queryable = Pick<PrimaryDatabase, 'select'>;

/** How the actual setlist reaches the show's room; in a worker: `showRoomStub(env.SHOW_ROOM, id).syncActualSetlist(id, update)`. */
export type TellRoom = (showId: string, update: ActualSetlistUpdate) => Promise<RoomResult<{ played: RoomPlayed[] }>>;

export interface ActualSetlistDeps {
  /** The primary database: changes need an interactive transaction. */
  db: PrimaryDatabase;
  tellRoom: TellRoom;
}

/** Lifecycle statuses in which a moderator may enter the setlist. */
const ENTERABLE: readonly ShowStatus[] = ['upcoming', 'live'];

export async function readActualSetlist(
  db: Queryable,
  showId: string,
): Promise<ActualSetlistView & { revision: number }> {
  const [[row], played] = await Promise.all([
    db.select().from(actualSetlists).where(eq(actualSetlists.showId, showId)),
    db
      .select({
        position: playedSongs.position,
        songId: playedSongs.songId,
        title: playedSongs.title,
        playedAt: playedSongs.playedAt,
        setlistSongId: setlistSongs.id,
      })
      .from(playedSongs)
      .leftJoin(
        setlistSongs,
        and(eq(setlistSongs.showId, playedSongs.showId), eq(setlistSongs.songId, playedSongs.songId)),
      )
      .where(eq(playedSongs.showId, showId))
      .orderBy(asc(playedSongs.position)),
  ]);
  return {
    showId,
    state: row ? row.state : 'none',
    source: row?.source ?? null,
    finalizedAt: row?.finalizedAt?.toISOString() ?? null,
    revision: row?.revision ?? 0,
    songs: played.map((p) => ({ ...p, playedAt: p.playedAt.toISOString() })),
  };
}

export const toEntries = (songs: readonly PlayedEntry[]): PlayedEntry[] =>
  songs.map(({ position, songId, title }) => ({ position, songId, title }));

/** Locks the show's row for the rest of the transaction; 404 when there is no such show. */
export async function lockShow(tx: Transaction, showId: string) {
  const [show] = await tx
    .select({ id: shows.id, artistId: shows.artistId, status: shows.status, startsAt: shows.startsAt })
    .from(shows)
    .where(eq(shows.id, showId))
    .for('update');
  if (!show) throw errors.notFound('show');
  return show;
}

async function assertEnterable(tx: Transaction, show: { id: string; status: ShowStatus }): Promise<void> {
  const [current] = await tx
    .select({ state: actualSetlists.state })
    .from(actualSetlists)
    .where(eq(actualSetlists.showId, show.id));
  if (current?.state === 'final')
    throw errors.conflict('setlist_final', 'The actual setlist of this show is final; it can no longer change.');
  if (!ENTERABLE.includes(show.status))
    throw errors.conflict('show_not_live', `The show is ${show.status}: its setlist cannot be entered.`);
}

/** Bumps the revision (creating the row on the first song) and returns it. */
async function bumpRevision(tx: Transaction, showId: string): Promise<number> {
  const [row] = await tx
    .insert(actualSetlists)
    .values({ showId, source: 'moderator', state: 'live', revision: 1 })
    .onConflictDoUpdate({
      target: actualSetlists.showId,
      set: { revision: sql`${actualSetlists.revision} + 1`, updatedAt: new Date() },
    })
    .returning({ revision: actualSetlists.revision });
  return row!.revision;
}

/**
 * Pushes the committed state to the room; a failure is a 503 the caller retries (every push is idempotent).
 * Returns the room's setlist entry ids by position: the room knows every song on the predicted setlist at once,
 * Postgres only when the vote-events consumer has caught up.
 */
export async function pushToRoom(
  tellRoom: TellRoom,
  showId: string,
  update: ActualSetlistUpdate,
): Promise<Map<number, string | null>> {
  let result: RoomResult<{ played: RoomPlayed[] }>;
  try {
    result = await tellRoom(showId, update);
  } catch {
    throw errors.unavailable(
      'The setlist was saved, but the live room could not be told; send the same request again.',
    );
  }
  if (!result.ok)
    throw new ApiError(result.error.code === 'not_found' ? 404 : 503, result.error.code, result.error.message);
  return new Map(result.value.played.map((p) => [p.position, p.setlistSongId]));
}

/** The songs with the room's setlist entry ids where Postgres does not have them yet. */
const withRoomIds = <S extends PlayedSong>(songs: S[], ids: Map<number, string | null>): S[] =>
  songs.map((s) => ({ ...s, setlistSongId: s.setlistSongId ?? ids.get(s.position) ?? null }));

export interface MarkPlayedInput {
  showId: string;
  /** A catalogue song, or a title (matched to the artist's catalogue, ignoring case, when exactly one song has it). */
  song: { songId: string } | { title: string };
  markedBy: string | null;
}

/**
 * Appends a song to the live actual setlist. Marking a song that is already on it changes nothing and returns
 * the existing entry (`repeated`), so a retried request is harmless. The first song makes an upcoming show
 * live: voting closes once the show has started, so nobody can vote for a song they just heard.
 */
export async function markPlayed(
  deps: ActualSetlistDeps,
  input: MarkPlayedInput,
): Promise<{ song: PlayedSong; repeated: boolean; status: ShowStatus; statusChanged: boolean }> {
  const outcome = await deps.db.transaction(async (tx) => {
    const show = await lockShow(tx, input.showId);
    await assertEnterable(tx, show);
    let songId: string | null;
    let title: string;
    if ('songId' in input.song) {
      const [song] = await tx
        .select({ id: songs.id, title: songs.title, artistId: songs.artistId })
        .from(songs)
        .where(eq(songs.id, input.song.songId));
      if (!song) throw new ApiError(404, 'song_not_found', 'No song with that id exists.');
      if (song.artistId !== show.artistId)
        throw errors.unprocessable('wrong_artist', "That song is by another artist than this show's.");
      songId = song.id;
      title = song.title;
    } else {
      const matches = await tx
        .select({ id: songs.id, title: songs.title })
        .from(songs)
        .where(
          and(
            eq(songs.artistId, show.artistId),
            sql`${songs.removedAt} is null`, // a song an admin removed from the catalogue is matched by id only
            sql`lower(${songs.title}) = lower(${input.song.title})`,
          ),
        )
        .limit(2);
      songId = matches.length === 1 ? matches[0]!.id : null;
      title = matches.length === 1 ? matches[0]!.title : input.song.title;
    }
    const [existing] = await tx
      .select({ position: playedSongs.position })
      .from(playedSongs)
      .where(
        and(
          eq(playedSongs.showId, show.id),
          songId
            ? eq(playedSongs.songId, songId)
            : sql`${playedSongs.songId} is null and lower(${playedSongs.title}) = lower(${title})`,
        ),
      );
    let revision: number;
    let position: number;
    if (existing) {
      position = existing.position;
      revision = (await readActualSetlist(tx, show.id)).revision;
    } else {
      const [last] = await tx
        .select({ n: max(playedSongs.position) })
        .from(playedSongs)
        .where(eq(playedSongs.showId, show.id));
      position = (last?.n ?? 0) + 1;
      await tx
        .insert(playedSongs)
        .values({ showId: show.id, position, songId, title, source: 'moderator', markedBy: input.markedBy });
      revision = await bumpRevision(tx, show.id);
    }
    let status = show.status;
    if (status === 'upcoming') {
      status = 'live';
      await tx.update(shows).set({ status, updatedAt: new Date() }).where(eq(shows.id, show.id));
    }
    const actual = await readActualSetlist(tx, show.id);
    return { actual, revision, status, statusChanged: status !== show.status, position, repeated: Boolean(existing) };
  });
  const ids = await pushToRoom(deps.tellRoom, input.showId, {
    revision: outcome.revision,
    songs: toEntries(outcome.actual.songs),
    status: outcome.status,
  });
  const song = withRoomIds(outcome.actual.songs, ids).find((s) => s.position === outcome.position)!;
  return { song, repeated: outcome.repeated, status: outcome.status, statusChanged: outcome.statusChanged };
}

/** Removes one song of the live actual setlist (`last`: the latest); the songs after it move up one position. */
export async function undoPlayed(
  deps: ActualSetlistDeps,
  input: { showId: string; position: number | 'last' },
): Promise<{ removed: PlayedSong; actual: ActualSetlistView }> {
  const outcome = await deps.db.transaction(async (tx) => {
    const show = await lockShow(tx, input.showId);
    await assertEnterable(tx, show);
    const before = await readActualSetlist(tx, show.id);
    const removed =
      input.position === 'last' ? before.songs.at(-1) : before.songs.find((s) => s.position === input.position);
    if (!removed)
      throw new ApiError(
        404,
        'not_played',
        input.position === 'last'
          ? 'Nothing has been played yet.'
          : `No song was played at position ${input.position}.`,
      );
    await tx
      .delete(playedSongs)
      .where(and(eq(playedSongs.showId, show.id), eq(playedSongs.position, removed.position)));
    // Shift in two steps: a one-step `position - 1` may hit the primary key in whatever order rows are updated.
    const OFFSET = 1_000_000;
    await tx
      .update(playedSongs)
      .set({ position: sql`${playedSongs.position} + ${OFFSET}` })
      .where(and(eq(playedSongs.showId, show.id), gt(playedSongs.position, removed.position)));
    await tx
      .update(playedSongs)
      .set({ position: sql`${playedSongs.position} - ${OFFSET + 1}` })
      .where(and(eq(playedSongs.showId, show.id), gt(playedSongs.position, OFFSET)));
    const revision = await bumpRevision(tx, show.id);
    const actual = await readActualSetlist(tx, show.id);
    return { removed, actual, revision, status: show.status };
  });
  const ids = await pushToRoom(deps.tellRoom, input.showId, {
    revision: outcome.revision,
    songs: toEntries(outcome.actual.songs),
    status: outcome.status,
  });
  const { revision: _revision, ...actual } = outcome.actual;
  return { removed: outcome.removed, actual: { ...actual, songs: withRoomIds(actual.songs, ids) } };
}
