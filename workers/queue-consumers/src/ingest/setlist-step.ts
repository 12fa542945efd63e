/**
 * After a show: find its actual setlist on setlist.fm (see match-setlist.ts) and write it into the contract
 * tables `played_songs` (source setlistfm, play order, songs matched to the catalogue by normalised title,
 * unmatched ones kept with song_id null) and `actual_setlists` (state final, setlistfm_version = the
 * setlist's versionId). A run that finds the version already imported writes nothing.
 */
import { and, eq, gte, isNotNull, lte, ne, notExists, sql } from 'drizzle-orm';
import { actualSetlists, artists, playedSongs, shows, songs, venues } from '#shared/db/schema';
import type { IngestContext, IngestDb } from './context';
import { type MatchResult, matchSetlist, playedTitles } from './match-setlist';
import { normaliseTitle, setlistfmDate } from './text';

export type SetlistOutcome =
  | { kind: 'written'; setlistId: string; versionId: string; songs: number; matched: number }
  | { kind: 'current'; versionId: string }
  | { kind: 'skipped'; reason: string }
  | { kind: 'not_found' | 'ambiguous' | 'empty'; scores?: MatchResult['scores'] };

export async function runSetlistStep(ctx: IngestContext, showId: string): Promise<SetlistOutcome> {
  const [show] = await ctx.db
    .select({ show: shows, venue: venues, artist: artists })
    .from(shows)
    .innerJoin(venues, eq(venues.id, shows.venueId))
    .innerJoin(artists, eq(artists.id, shows.artistId))
    .where(eq(shows.id, showId));
  if (!show) return { kind: 'skipped', reason: 'show not found' };
  if (!show.artist.musicbrainzId) return { kind: 'skipped', reason: 'artist has no MusicBrainz id' };
  const [state] = await ctx.db.select().from(actualSetlists).where(eq(actualSetlists.showId, showId));
  if (state?.state === 'final' && state.source === 'moderator')
    return { kind: 'skipped', reason: 'a moderator finalised the setlist' };

  const place = { startsAt: show.show.startsAt, artistMbid: show.artist.musicbrainzId, venue: show.venue };
  const candidates = await ctx.setlistfm.setlistsOn(
    show.artist.musicbrainzId,
    setlistfmDate(show.show.startsAt, show.venue.timeZone),
  );
  const match = matchSetlist(place, candidates);
  if (match.kind !== 'matched') {
    ctx.log.info('setlist: no match', { showId, kind: match.kind, scores: match.scores });
    return { kind: match.kind === 'none' ? 'not_found' : 'ambiguous', scores: match.scores };
  }
  const setlist = match.setlist;
  const titles = playedTitles(setlist);
  if (titles.length === 0) return { kind: 'empty' }; // entered on setlist.fm without songs yet: try again later
  if (state?.state === 'final' && state.setlistfmVersion === setlist.versionId)
    return { kind: 'current', versionId: setlist.versionId };

  const catalogue = await ctx.db
    .select({ id: songs.id, title: songs.title })
    .from(songs)
    .where(eq(songs.artistId, show.artist.id))
    // The first song of a title wins: one in the catalogue before one an admin removed.
    .orderBy(sql`${songs.removedAt} is not null`);
  const byTitle = new Map<string, string>();
  for (const song of catalogue)
    if (!byTitle.has(normaliseTitle(song.title))) byTitle.set(normaliseTitle(song.title), song.id);
  const used = new Set<string>();
  const rows = titles.map((title, i) => {
    let songId = byTitle.get(normaliseTitle(title)) ?? null;
    // A song played twice (a reprise) is one catalogue song: the repeat is kept by title only.
    if (songId && used.has(songId)) songId = null;
    if (songId) used.add(songId);
    return { showId, position: i + 1, songId, title, source: 'setlistfm' as const, playedAt: show.show.startsAt };
  });

  const outcome = await ctx.db.transaction(async (tx): Promise<SetlistOutcome> => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`setlist:${showId}`}, 0))`);
    const [now] = await tx.select().from(actualSetlists).where(eq(actualSetlists.showId, showId));
    if (now?.state === 'final' && (now.source === 'moderator' || now.setlistfmVersion === setlist.versionId))
      return { kind: 'current', versionId: now.setlistfmVersion ?? '' };
    await tx.delete(playedSongs).where(eq(playedSongs.showId, showId));
    await tx.insert(playedSongs).values(rows);
    const values = {
      state: 'final' as const,
      source: 'setlistfm' as const,
      setlistfmVersion: setlist.versionId,
      finalizedAt: new Date(),
      updatedAt: new Date(),
    };
    await tx
      .insert(actualSetlists)
      .values({ showId, ...values })
      .onConflictDoUpdate({ target: actualSetlists.showId, set: values });
    // Remember which setlist it was, unless another show claims it already (the unique index would refuse).
    await tx
      .update(shows)
      .set({ setlistfmId: setlist.id })
      .where(
        and(
          eq(shows.id, showId),
          notExists(
            tx
              .select({ one: sql`1` })
              .from(shows)
              .where(and(eq(shows.setlistfmId, setlist.id), ne(shows.id, showId))),
          ),
        ),
      );
    return {
      kind: 'written',
      setlistId: setlist.id,
      versionId: setlist.versionId,
      songs: rows.length,
      matched: rows.filter((r) => r.songId).length,
    };
  });
  ctx.log.info('setlist: imported', { showId, ...outcome });
  return outcome;
}

/** How long after its start a show is looked up, and for how long (setlists are often entered a day or two later). */
export const SETLIST_LOOKUP = { afterStartHours: 3, forDays: 7 } as const;

/** Recently finished shows without a final actual setlist, whose artist has a MusicBrainz id. */
export async function showsAwaitingSetlists(db: IngestDb, now: Date, limit = 50): Promise<string[]> {
  const latest = new Date(now.getTime() - SETLIST_LOOKUP.afterStartHours * 3_600_000);
  const earliest = new Date(now.getTime() - SETLIST_LOOKUP.forDays * 86_400_000);
  const rows = await db
    .select({ id: shows.id })
    .from(shows)
    .innerJoin(artists, eq(artists.id, shows.artistId))
    .where(
      and(
        gte(shows.startsAt, earliest),
        lte(shows.startsAt, latest),
        ne(shows.status, 'cancelled'),
        isNotNull(artists.musicbrainzId),
        notExists(
          db
            .select({ one: sql`1` })
            .from(actualSetlists)
            .where(and(eq(actualSetlists.showId, shows.id), eq(actualSetlists.state, 'final'))),
        ),
      ),
    )
    .orderBy(shows.startsAt)
    .limit(limit);
  return rows.map((r) => r.id);
}
