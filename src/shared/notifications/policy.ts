/** The rules of the notification service in one place: defaults, urgency, milestones and batch sizes. */
import type { NotificationChannel, NotificationKind } from '../schemas/notifications';

/** A kind × channel switch nobody has touched. Email only for what a fan would miss otherwise. */
export const DEFAULT_ENABLED: Record<NotificationKind, Record<NotificationChannel, boolean>> = {
  show_announced: { in_app: true, email: true, webpush: true, fcm: true },
  voting_open: { in_app: true, email: false, webpush: true, fcm: true },
  show_starting: { in_app: true, email: false, webpush: true, fcm: true },
  setlist_published: { in_app: true, email: true, webpush: true, fcm: true },
  song_milestone: { in_app: true, email: false, webpush: true, fcm: true },
};

/** Urgent kinds ignore quiet hours: "your show starts now" is useless in the morning. */
export const URGENT_KINDS: ReadonlySet<NotificationKind> = new Set(['show_starting']);

/** Vote counts at which the fan who added a song hears about it, each once. */
export const VOTE_MILESTONES = [10, 50, 100, 500, 1000, 5000, 10000] as const;

/** Recipients read per fan-out step (one keyset page, one DB round trip). */
export const FANOUT_PAGE_SIZE = 1000;
/** Recipients per deliver message: one step's page becomes FANOUT_PAGE_SIZE / this many messages. */
export const RECIPIENTS_PER_MESSAGE = 100;
/** Deliveries per send message: bounds the provider calls (subrequests) one message can cause. */
export const DELIVERIES_PER_SEND = 25;
/** Attempts per delivery before it is given up (each transient failure is retried with backoff). */
export const MAX_DELIVERY_ATTEMPTS = 5;
/** Queues accept a delay of at most 12 hours; longer deferrals are re-deferred on arrival. */
export const MAX_QUEUE_DELAY_SECONDS = 43_200;
