import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import { and, asc, desc, eq, gt, gte, lt, or, sql, type SQL } from 'drizzle-orm';
import { artists, fanScores, users } from '../../../../src/shared/db/schema';
import type { Database } from '../../../../src/shared/db/client';
import { errors } from '../../../../src/shared/errors';
import { IdOrSlugParams } from '../../../../src/shared/schemas/catalog';
import { Leaderboard, LeaderboardQuery, type LeaderboardEntry, type LeaderboardPeriod } from '../../../../src/shared/schemas/scoring';
import type { AppEnv } from '../app-env';
import { idOrSlug } from './catalog-common';
import { errorResponses, json } from './openapi-helpers';
import { cursorKeys, decodeSortedCursor, encodeCursor } from './pagination';

const DAY_MS = 86_400_000;
/** A period is a rolling window of show start times ending now. */
const PERIOD_DAYS: Record<LeaderboardPeriod, number | null> = { week: 7, month: 30, year: 365, all: null };

/**
 * Fans ranked by the points they earned (sum of fan_scores.points), most first, ties by user id. The period
 * filter is a range on fan_scores_starts_at_idx (show_starts_at, user_id), an artist's board a range on
 * fan_scores_artist_idx (artist_id, user_id); the sums are then grouped per fan and ranked with rank() —
 * docs/scoring.md has the EXPLAIN. Cursor: { s: period, k: points of the last fan served, id: their user id }.
 */
async function leaderboardPage(db: Database, query: LeaderboardQuery, artistId?: string) {
  const cursor = decodeSortedCursor(query.cursor, query.period, 'all', cursorKeys.number);
  const days = PERIOD_DAYS[query.period];
  const filters: (SQL | undefined)[] = [
    days === null ? undefined : gte(fanScores.showStartsAt, new Date(Date.now() - days * DAY_MS)),
    artistId ? eq(fanScores.artistId, artistId) : undefined,
  ];
  const totals = db
    .select({
      userId: fanScores.userId,
      points: sql<number>`sum(${fanScores.points})::int`.as('points'),
      shows: sql<number>`count(*)::int`.as('shows'),
      songsHit: sql<number>`sum(${fanScores.songsHit})::int`.as('songs_hit'),
      rank: sql<number>`rank() over (order by sum(${fanScores.points}) desc)::int`.as('rank'),
    })
    .from(fanScores)
    .where(and(...filters))
    .groupBy(fanScores.userId)
    .as('totals');
  const rows = await db
    .select({ userId: totals.userId, displayName: users.displayName, points: totals.points, shows: totals.shows, songsHit: totals.songsHit, rank: totals.rank })
    .from(totals)
    .innerJoin(users, eq(users.id, totals.userId))
    .where(cursor ? or(lt(totals.points, cursor.key), and(eq(totals.points, cursor.key), gt(totals.userId, cursor.id))) : undefined)
    .orderBy(desc(totals.points), asc(totals.userId))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const items: LeaderboardEntry[] = page.map((r) => ({ rank: r.rank, user: { id: r.userId, displayName: r.displayName }, points: r.points, shows: r.shows, songsHit: r.songsHit }));
  return { period: query.period, items, nextCursor: rows.length > query.limit && last ? encodeCursor({ s: query.period, k: String(last.points), id: last.userId }) : null };
}

export const leaderboardRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: 'get',
      path: '/leaderboard',
      tags: ['Leaderboards'],
      summary: 'Fans ranked by the points their votes earned, over a period',
      request: { query: LeaderboardQuery },
      responses: { 200: { description: 'A page of the leaderboard.', ...json(Leaderboard) }, ...errorResponses(400, 422) },
    }),
    async (c) => c.json(await leaderboardPage(c.var.database.db, c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/artists/{idOrSlug}/leaderboard',
      tags: ['Leaderboards'],
      summary: "Fans ranked by the points they earned at an artist's shows, over a period",
      request: { params: IdOrSlugParams, query: LeaderboardQuery },
      responses: { 200: { description: 'A page of the leaderboard.', ...json(Leaderboard) }, ...errorResponses(400, 404, 422) },
    }),
    async (c) => {
      const db = c.var.database.db;
      const [artist] = await db.select({ id: artists.id }).from(artists).where(idOrSlug(artists, c.req.valid('param').idOrSlug));
      if (!artist) throw errors.notFound('artist');
      return c.json({ ...(await leaderboardPage(db, c.req.valid('query'), artist.id)), artistId: artist.id }, 200);
    },
  );
