/** A fan's follows and feed: the artists they follow, and those artists' upcoming shows. */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Database } from '#shared/db/client';
import { isForeignKeyViolation } from '#shared/db/errors';
import { artists, follows, shows, venues } from '#shared/db/schema';
import { errors } from '#shared/errors';
import type { FollowList } from '#shared/schemas/catalog';
import type { PageQuery } from '#shared/schemas/common';
import type { ShowList } from '#shared/schemas/shows';
import {
  artistSummaryColumns,
  isUpcoming,
  rowAfter,
  showSummaryColumns,
  showsAfter,
  toShowSummary,
} from '../catalog/common';
import { cursorKeys, decodeSortedCursor, keysetPage } from '../http/pagination';

type Page = z.infer<typeof PageQuery>;

/** Idempotent; 404 for an artist that does not exist. */
export async function follow(db: Database, userId: string, artistId: string): Promise<void> {
  try {
    await db.$primary.insert(follows).values({ userId, artistId }).onConflictDoNothing();
  } catch (err) {
    if (isForeignKeyViolation(err)) throw errors.notFound('artist');
    throw err;
  }
}

/** Idempotent. */
export async function unfollow(db: Database, userId: string, artistId: string): Promise<void> {
  await db.$primary.delete(follows).where(and(eq(follows.userId, userId), eq(follows.artistId, artistId)));
}

export async function followedArtists(
  db: Database,
  userId: string,
  { limit, cursor: rawCursor }: Page,
): Promise<z.infer<typeof FollowList>> {
  // Cursor: { k: name of the last artist, id }. Read from the primary: a fan who just (un)followed sees it.
  const cursor = decodeSortedCursor(rawCursor, 'name', 'name', cursorKeys.text);
  const rows = await db.$primary
    .select({ ...artistSummaryColumns, followedAt: follows.createdAt })
    .from(follows)
    .innerJoin(artists, eq(artists.id, follows.artistId))
    .where(
      and(
        eq(follows.userId, userId),
        cursor ? rowAfter('asc', artists.name, artists.id, sql`${cursor.key}::text`, cursor.id) : undefined,
      ),
    )
    .orderBy(asc(artists.name), asc(artists.id))
    .limit(limit + 1);
  const { page, nextCursor } = keysetPage(rows, limit, (last) => ({ k: last.name, id: last.id }));
  return { items: page.map((row) => ({ ...row, followedAt: row.followedAt.toISOString() })), nextCursor };
}

export async function feed(db: Database, userId: string, { limit, cursor: rawCursor }: Page): Promise<ShowList> {
  // Cursor: { k: startsAt ISO of the last show, id }, as GET /shows sorted by date.
  const cursor = decodeSortedCursor(rawCursor, 'date', 'date', cursorKeys.date);
  const rows = await db
    .select(showSummaryColumns)
    .from(follows)
    .innerJoin(shows, eq(shows.artistId, follows.artistId))
    .innerJoin(artists, eq(artists.id, shows.artistId))
    .innerJoin(venues, eq(venues.id, shows.venueId))
    .where(and(eq(follows.userId, userId), isUpcoming(), showsAfter(cursor)))
    .orderBy(asc(shows.startsAt), asc(shows.id))
    .limit(limit + 1);
  const { page, nextCursor } = keysetPage(rows, limit, (last) => ({ k: last.startsAt.toISOString(), id: last.id }));
  return { items: page.map(toShowSummary), nextCursor };
}
