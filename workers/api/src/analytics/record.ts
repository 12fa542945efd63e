import type { Context } from 'hono';
import type { AnalyticsEvent } from '#shared/schemas/events';
import type { AppEnv } from '../app-env';
import { isWarmingRequest } from '../cache/warm';

/**
 * Product events the api worker sends. `vote`/`unvote` are not sent from here: the vote-events consumer derives
 * them from the rooms' event stream. `notification_open` is for the notification inbox's read route.
 */
export type AnalyticsKind =
  | 'search'
  | 'search_click'
  | 'show_view'
  | 'artist_view'
  | 'follow'
  | 'unfollow'
  | 'notification_open';

/**
 * Sends one analytics event to the ANALYTICS queue (its consumer writes `analytics_events`) after the response:
 * the send goes to `waitUntil`, so it never delays the answer, and a failed send is logged, never thrown.
 *
 * Events carry no user id: searches and views are counted, not attributed to anyone, so they are not personal
 * data to export or erase.
 */
export function recordEvent(
  c: Context<AppEnv>,
  kind: AnalyticsKind,
  fields: { showId?: string; data?: Record<string, unknown> } = {},
): void {
  const event: AnalyticsEvent = {
    v: 1,
    eventId: crypto.randomUUID(),
    kind,
    at: new Date().toISOString(),
    userId: null,
    showId: fields.showId ?? null,
    data: fields.data ?? {},
  };
  const sending = c.env.ANALYTICS.send(event, { contentType: 'json' }).catch((err: unknown) =>
    c.get('log')?.warn('analytics event not sent', { err, kind }),
  );
  try {
    c.executionCtx.waitUntil(sending);
  } catch {
    // No execution context (a test calling app.request() without one): the send still runs, unawaited.
  }
}

/**
 * A page view of a show or an artist, for trending (the `views` term). Call it from the detail routes:
 * `recordView(c, 'show_view', show.id)` in GET /v1/shows/{id}, `recordView(c, 'artist_view', artist.id)` in the
 * artist detail. A show view fills the `show_id` column; an artist view puts the id in `data.artistId`.
 */
export function recordView(c: Context<AppEnv>, kind: 'show_view' | 'artist_view', entityId: string): void {
  // The cache-warming cron renders the busiest pages itself: not a visitor, and counting it would feed the
  // busiest shows' trending scores with the cron's own requests.
  if (isWarmingRequest(c.req.raw)) return;
  if (kind === 'show_view') recordEvent(c, kind, { showId: entityId });
  else recordEvent(c, kind, { data: { artistId: entityId } });
}
