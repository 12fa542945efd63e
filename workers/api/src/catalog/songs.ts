/**
 * An artist's catalogue as admins change it (routes/admin-catalog.ts): add, change, remove and restore songs.
 *
 * - Each title once per artist: a title the catalogue already has (case-insensitive, removed songs aside) is
 *   `409 duplicate_title`. Checked under a per-artist advisory lock, so two admins adding the same title at once
 *   cannot both succeed.
 * - A change marks the song `edited_at`: the admin's values then win over Spotify's on the next import.
 * - Removing is a soft delete (`removed_at`). Setlist entries, votes and played songs point at the song, and a
 *   live room may have accepted a vote for it that the vote-events consumer has not written yet: deleting the row
 *   would delete those votes (or make their write fail). So the song only leaves the catalogue — listings, the
 *   add-a-song search, rooms loaded from then on — and everything that already points at it stays as it was.
 */
import { and, count, eq, isNull, ne, sql } from 'drizzle-orm';
import type { PrimaryDatabase } from '#shared/db/client';
import { playedSongs, setlistSongs, songs, votes } from '#shared/db/schema';
import { ApiError, errors } from '#shared/errors';
import type { Song, SongCreate, SongRemoval, SongUpdate } from '#shared/schemas/catalog';
import { catalogWriteError, songColumns } from './common';

type Tx = Parameters<Parameters<PrimaryDatabase['transaction']>[0]>[0];

/** Songs that are in the catalogue (not removed by an admin): what listings, searches and rooms offer. */
export const inCatalogue = () => isNull(songs.removedAt);

const lockCatalogue = (tx: Tx, artistId: string) =>
  tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`catalogue:${artistId}`}, 0))`);

async function refuseDuplicateTitle(tx: Tx, artistId: string, title: string, except?: string): Promise<void> {
  const [same] = await tx
    .select({ id: songs.id, title: songs.title })
    .from(songs)
    .where(
      and(
        eq(songs.artistId, artistId),
        inCatalogue(),
        sql`lower(${songs.title}) = lower(${title})`,
        except ? ne(songs.id, except) : undefined,
      ),
    )
    .limit(1);
  if (same)
    throw new ApiError(409, 'duplicate_title', `The artist's catalogue already has “${same.title}”.`, {
      songId: same.id,
      title: same.title,
    });
}

/** Adds a song to the artist's catalogue; 404 for an unknown artist, 409 for a title or Spotify id it has. */
export async function addSong(db: PrimaryDatabase, artistId: string, body: SongCreate): Promise<Song> {
  return db
    .transaction(async (tx) => {
      await lockCatalogue(tx, artistId);
      await refuseDuplicateTitle(tx, artistId, body.title);
      const [song] = await tx
        .insert(songs)
        .values({ ...body, artistId })
        .returning(songColumns);
      return song!;
    })
    .catch(catalogWriteError);
}

export interface SongChange {
  before: Song;
  after: Song;
}

/** Changes a song of the catalogue; 404 for an unknown (or removed) song, 409 for a title the artist has already. */
export async function updateSong(db: PrimaryDatabase, id: string, changes: SongUpdate): Promise<SongChange> {
  return db
    .transaction(async (tx) => {
      const [current] = await tx.select({ artistId: songs.artistId }).from(songs).where(eq(songs.id, id));
      if (!current) throw errors.notFound('song');
      await lockCatalogue(tx, current.artistId);
      const [before] = await tx
        .select(songColumns)
        .from(songs)
        .where(and(eq(songs.id, id), inCatalogue()))
        .for('update');
      if (!before) throw errors.notFound('song');
      if (changes.title !== undefined) await refuseDuplicateTitle(tx, before.artistId, changes.title, id);
      const [after] = await tx
        .update(songs)
        .set({ ...changes, editedAt: new Date() })
        .where(eq(songs.id, id))
        .returning(songColumns);
      return { before, after: after! };
    })
    .catch(catalogWriteError);
}

export interface SongRemovalOutcome extends SongRemoval {
  /** False when the song had been removed before (the answer is the same; nothing is written or audited again). */
  removedNow: boolean;
}

/** Removes a song from the catalogue (soft: see above); 404 for an unknown song. Repeating it changes nothing. */
export async function removeSong(db: PrimaryDatabase, id: string): Promise<SongRemovalOutcome> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ ...songColumns, removedAt: songs.removedAt })
      .from(songs)
      .where(eq(songs.id, id))
      .for('update');
    if (!row) throw errors.notFound('song');
    const { removedAt: removedBefore, ...song } = row;
    const removedAt = removedBefore ?? new Date();
    if (!removedBefore) await tx.update(songs).set({ removedAt }).where(eq(songs.id, id));
    const [entries] = await tx.select({ n: count() }).from(setlistSongs).where(eq(setlistSongs.songId, id));
    const [activeVotes] = await tx
      .select({ n: count() })
      .from(votes)
      .innerJoin(setlistSongs, eq(setlistSongs.id, votes.setlistSongId))
      .where(and(eq(setlistSongs.songId, id), eq(votes.active, true)));
    const [played] = await tx.select({ n: count() }).from(playedSongs).where(eq(playedSongs.songId, id));
    return {
      song,
      removedAt: removedAt.toISOString(),
      kept: { setlistEntries: entries?.n ?? 0, activeVotes: activeVotes?.n ?? 0, playedAt: played?.n ?? 0 },
      removedNow: !removedBefore,
    };
  });
}

/**
 * Puts a removed song back into the catalogue (an admin's mistake undone); 404 for an unknown song, 409 when the
 * catalogue has a song of that title again. `restored` is false when the song was not removed (nothing changed).
 */
export async function restoreSong(db: PrimaryDatabase, id: string): Promise<{ song: Song; restored: boolean }> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select({ artistId: songs.artistId }).from(songs).where(eq(songs.id, id));
    if (!current) throw errors.notFound('song');
    await lockCatalogue(tx, current.artistId);
    const [row] = await tx
      .select({ ...songColumns, removedAt: songs.removedAt })
      .from(songs)
      .where(eq(songs.id, id))
      .for('update');
    const { removedAt, ...song } = row!;
    if (!removedAt) return { song, restored: false };
    await refuseDuplicateTitle(tx, song.artistId, song.title, id);
    await tx.update(songs).set({ removedAt: null }).where(eq(songs.id, id));
    return { song, restored: true };
  });
}
