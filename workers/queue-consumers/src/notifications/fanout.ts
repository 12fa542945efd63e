/**
 * Fan-out: one event → its recipients, one keyset page per step. A step reads the event's context and one page
 * of recipient ids in ONE round trip, then sends one deliver message per RECIPIENTS_PER_MESSAGE recipients
 * plus, when the page was full, the next step (cursor = the last user id). An artist with 100,000 followers is
 * 100 small steps and 1,000 deliver messages, never one long job; a repeated step is harmless because each
 * delivery is unique per (event, user, channel).
 */
import type { NeonQueryFunction } from '@neondatabase/serverless';
import { FANOUT_PAGE_SIZE, RECIPIENTS_PER_MESSAGE } from '#shared/notifications/policy';
import type { NotificationDeliver, NotificationFanout, NotificationTrigger } from '#shared/schemas/notifications';

type Sql = NeonQueryFunction<false, false>;

const SHOW_CONTEXT = `
select s.id as "showId", s.slug as "showSlug", s.starts_at as "startsAt", a.name as "artistName", v.name as "venueName", v.city,
       v.time_zone as "venueTimeZone", (select score from show_accuracy where show_id = s.id) as accuracy
from shows s join artists a on a.id = s.artist_id join venues v on v.id = s.venue_id
where s.id = $1`;

const SONG_CONTEXT = `
select s.id as "showId", s.slug as "showSlug", s.starts_at as "startsAt", a.name as "artistName", v.name as "venueName", v.city,
       v.time_zone as "venueTimeZone", so.title as "songTitle"
from setlist_songs ss join songs so on so.id = ss.song_id join shows s on s.id = ss.show_id
join artists a on a.id = s.artist_id join venues v on v.id = s.venue_id
where ss.id = $1`;

/** Keyset pages: `user_id > $2` on an index ordered by user id, so every page is an index seek (no OFFSET). */
const FOLLOWERS_PAGE = `
select f.user_id as id from follows f
where f.artist_id = (select artist_id from shows where id = $1) and ($2::uuid is null or f.user_id > $2::uuid)
order by f.user_id limit $3`;

const VOTERS_PAGE = `
select distinct v.user_id as id from votes v
where v.show_id = $1 and v.active and ($2::uuid is null or v.user_id > $2::uuid)
order by v.user_id limit $3`;

/** One recipient, on the first page only; it takes the same three parameters as the other pages. */
const SONG_ADDER = `
select ss.added_by as id from setlist_songs ss where ss.id = $1 and ss.added_by is not null and $2::uuid is null and $3::int > 0`;

function queriesFor(trigger: NotificationTrigger): { context: string; recipients: string; subject: string } {
  switch (trigger.kind) {
    case 'show_announced':
    case 'voting_open':
      return { context: SHOW_CONTEXT, recipients: FOLLOWERS_PAGE, subject: trigger.showId };
    case 'show_starting':
    case 'setlist_published':
      return { context: SHOW_CONTEXT, recipients: VOTERS_PAGE, subject: trigger.showId };
    case 'song_milestone':
      return { context: SONG_CONTEXT, recipients: SONG_ADDER, subject: trigger.setlistSongId };
  }
}

export interface FanoutResult {
  recipients: number;
  messages: (NotificationDeliver | NotificationFanout)[];
}

/** Plans one step: what to send next. The caller sends the messages (one sendBatch) and acks. */
export async function fanoutStep(
  sql: Sql,
  message: NotificationFanout,
  pageSize = FANOUT_PAGE_SIZE,
  perMessage = RECIPIENTS_PER_MESSAGE,
): Promise<FanoutResult> {
  const { trigger, eventId } = message;
  const q = queriesFor(trigger);
  const [contextRows, recipientRows] = (await sql.transaction([
    sql.query(q.context, [q.subject]),
    sql.query(q.recipients, [q.subject, message.after ?? null, pageSize]),
  ])) as [Record<string, unknown>[], { id: string }[]];
  const context = contextRows[0];
  if (!context) return { recipients: 0, messages: [] }; // the show or song was deleted since: nobody to tell
  const data: Record<string, unknown> = {
    ...context,
    startsAt: new Date(context.startsAt as string).toISOString(),
    ...(context.accuracy === null || context.accuracy === undefined
      ? { accuracy: undefined }
      : { accuracy: Number(context.accuracy) }),
    ...(trigger.kind === 'song_milestone'
      ? { milestone: trigger.milestone, setlistSongId: trigger.setlistSongId }
      : {}),
  };
  const ids = recipientRows.map((r) => r.id);
  const messages: (NotificationDeliver | NotificationFanout)[] = [];
  for (let i = 0; i < ids.length; i += perMessage) {
    messages.push({
      v: 2,
      type: 'deliver',
      eventId,
      kind: trigger.kind,
      userIds: ids.slice(i, i + perMessage),
      data: JSON.parse(JSON.stringify(data)) as Record<string, unknown>,
    });
  }
  if (ids.length === pageSize) messages.push({ ...message, after: ids.at(-1)! });
  return { recipients: ids.length, messages };
}
