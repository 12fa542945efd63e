/**
 * What the recovery endpoints answer (docs/operations.md#recovery): the api's routes describe them, the api's
 * recovery modules return them, and `npm run dr:recover` / `npm run dr:drill` read them.
 */
import { z } from 'zod';

export const RebuildResult = z
  .object({
    /** Setlist songs whose vote_count was wrong and was corrected. */
    voteCountsFixed: z.number().int(),
    /** Finalised shows scored again (show_accuracy, fan_scores). */
    showsRescored: z.number().int(),
    /** fan_totals rows corrected from fan_scores. */
    fanTotalsFixed: z.number().int(),
    /** fan_period_totals rows after the rebuild (the week, month and year leaderboards). */
    leaderboardPeriodRows: z.number().int(),
    /** fan_artist_totals and fan_artist_period_totals rows after the rebuild (the artists' leaderboards). */
    artistLeaderboardRows: z.number().int(),
    trending: z.object({ shows: z.number().int(), artists: z.number().int() }),
    rollups: z.object({ hourly: z.number().int(), daily: z.number().int() }),
    /** Notification triggers fanned out again (only with `since`). */
    notificationsRefanned: z.number().int(),
    ms: z.number().int(),
  })
  .meta({ id: 'RebuildResult' });
export type RebuildResult = z.infer<typeof RebuildResult>;

export const RecheckResult = z
  .object({
    rooms: z.number().int(),
    /** Rooms that held state and compared it with Postgres. */
    compared: z.number().int(),
    repairs: z.number().int(),
    /** Sent events Postgres lacked, sent again at once. */
    resent: z.number().int(),
    /** Rooms with events still in flight: they compare by themselves once confirmed; call again to see. */
    unsettled: z.array(z.string()),
    /** Shows whose room repaired something. */
    repaired: z.array(z.object({ showId: z.string(), repairs: z.number().int() })),
    /** Rooms that failed to answer (call again). */
    failed: z.array(z.string()),
    /** Pass as `after` for the next page; null when this was the last. */
    next: z.string().nullable(),
  })
  .meta({ id: 'RecheckResult' });
export type RecheckResult = z.infer<typeof RecheckResult>;
