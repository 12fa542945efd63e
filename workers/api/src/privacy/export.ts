import { desc, eq } from 'drizzle-orm';
import type { AnyDatabase, Database } from '#shared/db/client';
import {
  artists,
  follows,
  notifications,
  sessions,
  setlistSongs,
  songs,
  userMfa,
  users,
  votes,
} from '#shared/db/schema';
import type { DataExport } from '#shared/schemas/privacy';
import { toMe } from '../auth/sessions';
import { readPreferences } from '../notifications/preferences';

const iso = (d: Date) => d.toISOString();

/**
 * Everything MySetlist stores about one person, from the primary (an export must not miss a write made a
 * second ago). Queries run in parallel on the request's pool.
 */
export async function exportUserData(db: Database, userId: string, eu?: AnyDatabase): Promise<DataExport> {
  const p = db.$primary;
  // An EU fan's preferences are in the EU database, with any rows from before still in the primary.
  const notificationPreferences = await (eu ? readPreferences(eu, userId, p) : readPreferences(p, userId));
  const [[user], sessionRows, voteRows, additionRows, followRows, notificationRows, [mfa]] = await Promise.all([
    p.select().from(users).where(eq(users.id, userId)),
    p.select().from(sessions).where(eq(sessions.userId, userId)).orderBy(desc(sessions.createdAt)),
    p
      .select({ vote: votes, songTitle: songs.title })
      .from(votes)
      .innerJoin(setlistSongs, eq(setlistSongs.id, votes.setlistSongId))
      .innerJoin(songs, eq(songs.id, setlistSongs.songId))
      .where(eq(votes.userId, userId))
      .orderBy(desc(votes.createdAt)),
    p
      .select({
        id: setlistSongs.id,
        showId: setlistSongs.showId,
        title: songs.title,
        createdAt: setlistSongs.createdAt,
      })
      .from(setlistSongs)
      .innerJoin(songs, eq(songs.id, setlistSongs.songId))
      .where(eq(setlistSongs.addedBy, userId)),
    p
      .select({ artistId: follows.artistId, name: artists.name, since: follows.createdAt })
      .from(follows)
      .innerJoin(artists, eq(artists.id, follows.artistId))
      .where(eq(follows.userId, userId)),
    p.select().from(notifications).where(eq(notifications.userId, userId)).orderBy(desc(notifications.createdAt)),
    p.select({ enabledAt: userMfa.enabledAt }).from(userMfa).where(eq(userMfa.userId, userId)),
  ]);
  if (!user) throw new Error('export: the signed-in user does not exist');
  return {
    exportedAt: new Date().toISOString(),
    profile: toMe(user),
    sessions: sessionRows.map((s) => ({
      id: s.id,
      createdAt: iso(s.createdAt),
      lastSeenAt: iso(s.lastSeenAt),
      expiresAt: iso(s.expiresAt),
      userAgent: s.userAgent,
      ip: s.ip,
    })),
    votes: voteRows.map(({ vote, songTitle }) => ({
      voteId: vote.id,
      showId: vote.showId,
      setlistSongId: vote.setlistSongId,
      songTitle,
      active: vote.active,
      createdAt: iso(vote.createdAt),
      updatedAt: iso(vote.updatedAt),
    })),
    setlistAdditions: additionRows.map((a) => ({
      setlistSongId: a.id,
      showId: a.showId,
      songTitle: a.title,
      addedAt: iso(a.createdAt),
    })),
    follows: followRows.map((f) => ({ artistId: f.artistId, artistName: f.name, since: iso(f.since) })),
    notifications: notificationRows.map((n) => ({
      id: n.id,
      kind: n.kind,
      data: n.data,
      createdAt: iso(n.createdAt),
      readAt: n.readAt ? iso(n.readAt) : null,
    })),
    notificationPreferences,
    mfa: { enabled: Boolean(mfa?.enabledAt) },
  };
}
