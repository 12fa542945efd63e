/**
 * After Postgres was restored from a backup (docs/operations.md, "Recovery"), every table derived from the vote
 * rows is recomputed from them, so none of them keeps a figure of the moment the backup was taken nor of work
 * done halfway when it was: vote counts, scores and fan totals (what the leaderboards read), trending, and the
 * analytics rollups. Each step is a recompute from the rows, never an increment: running it twice gives the same
 * tables, and it is safe while votes keep arriving (each step is one statement or one transaction per show, and
 * the vote consumer's own recount of the songs it touches agrees with it).
 *
 * Run it again after the rooms' recheck has put back the votes the backup lacked: the consumer keeps the counts
 * of those songs, but scores of shows already finalised are only recomputed here.
 */
import { eq, sql } from 'drizzle-orm';
import type { Database } from '#shared/db/client';
import { actualSetlists, playedSongs, shows } from '#shared/db/schema';
import { resendPendingNotificationEvents } from '#shared/notifications/enqueue';
import type { RebuildResult } from '#shared/schemas/recovery';
import { scoreShowInTx } from '#shared/scoring/finalize';
import { rebuildLeaderboardRollups } from '#shared/scoring/rollups';
import { rollupDaily, rollupHourly } from '../analytics/rollups';
import { recomputeTrending } from '../trending/recompute';

export type { RebuildResult };

/**
 * A trigger recorded shortly before the restore point may have been fanned out after it: its inbox rows and
 * deliveries are then gone too. Fanning out again is idempotent (one inbox row per event and fan, one delivery
 * per event, fan and channel), so the margin only costs a few no-op messages.
 */
export const REFAN_MARGIN_MS = 60 * 60_000;

/** Counts from the rows (active, not discounted), only where the cached figure differs. */
const RECOUNT_ALL = sql`
  update setlist_songs s set vote_count = c.n
  from (
    select ss.id, count(v.id)::int as n
    from setlist_songs ss
    left join votes v on v.setlist_song_id = ss.id and v.active
      and not exists (select 1 from vote_discounts d where d.vote_id = v.id and d.show_id = v.show_id)
    group by ss.id
  ) c
  where s.id = c.id and s.vote_count <> c.n`;

/**
 * `since` (the restore point): notification triggers recorded from REFAN_MARGIN_MS before it are fanned out again,
 * so the inboxes and deliveries written after the restore point come back (an email or push sent after it may be
 * sent a second time; an inbox row never is).
 */
export async function rebuildDerived(
  db: Database,
  notifications: Queue,
  options: { since?: Date | undefined; now?: Date } = {},
): Promise<RebuildResult> {
  const now = options.now ?? new Date();
  const started = Date.now();
  const primary = db.$primary;
  const recount = await primary.execute(RECOUNT_ALL);

  const finalised = await primary
    .select({ id: shows.id, artistId: shows.artistId, startsAt: shows.startsAt })
    .from(actualSetlists)
    .innerJoin(shows, eq(shows.id, actualSetlists.showId))
    .where(eq(actualSetlists.state, 'final'));
  for (const show of finalised) {
    // One transaction per show, like finalisation: a big catalogue never holds one long lock.
    await primary.transaction(async (tx) => {
      // The lock finalisation takes: a moderator finalising the same show meanwhile waits, and scores last.
      await tx.select({ id: shows.id }).from(shows).where(eq(shows.id, show.id)).for('update');
      const played = await tx
        .select({ position: playedSongs.position, songId: playedSongs.songId, title: playedSongs.title })
        .from(playedSongs)
        .where(eq(playedSongs.showId, show.id))
        .orderBy(playedSongs.position);
      if (played.length) await scoreShowInTx(tx, show, played);
    });
  }
  // fan_totals and the leaderboards' period and artist rows, from fan_scores (rollups.ts).
  const totals = await rebuildLeaderboardRollups(primary);

  const trending = await recomputeTrending(db, now);
  const first = (await primary.execute(sql`select min(at) as first from analytics_events`)).rows[0] as
    | { first: string | Date | null }
    | undefined;
  const from = first?.first ? new Date(first.first) : now;
  const rollups = { hourly: await rollupHourly(db, from, now), daily: await rollupDaily(db, from, now) };

  let notificationsRefanned = 0;
  if (options.since) {
    const after = new Date(options.since.getTime() - REFAN_MARGIN_MS).toISOString();
    await primary.execute(
      sql`update notification_events set enqueued_at = null where created_at >= ${after}::timestamptz`,
    );
    for (;;) {
      const sent = await resendPendingNotificationEvents(primary, notifications, 0, 100);
      notificationsRefanned += sent;
      if (sent < 100) break;
    }
  }
  return {
    voteCountsFixed: recount.rowCount ?? 0,
    showsRescored: finalised.length,
    fanTotalsFixed: totals.totalsUpdated + totals.totalsZeroed,
    leaderboardPeriodRows: totals.periodRows,
    artistLeaderboardRows: totals.artistRows,
    trending: { shows: trending.shows.scored, artists: trending.artists.scored },
    rollups,
    notificationsRefanned,
    ms: Date.now() - started,
  };
}
