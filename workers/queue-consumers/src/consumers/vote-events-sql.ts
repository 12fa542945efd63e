/**
 * The statements that apply a batch of room events to Postgres. The vote statements run as one transaction in
 * ONE round trip (Neon's HTTP transaction), which is what makes ≥ 50 votes per round trip possible; what
 * follows from votes (milestones, analytics rows) runs after it, in its own transaction, so that nothing but
 * the votes themselves can keep an acknowledged vote out of Postgres.
 *
 * Why they are correct under retries, duplicates and reordering:
 * 1. Upserting the touched setlist songs first takes a row lock on each (ordered by id, so two batches
 *    cannot deadlock) and guarantees the foreign key for votes whose `song_added` event comes later.
 * 2. A vote row per (user, setlist song) is overwritten only by an event with a higher room sequence,
 *    so a duplicate or stale delivery is a no-op and a late `vote` cannot resurrect a retracted one.
 * 3. The count is recounted from the rows, after the lock: each statement in READ COMMITTED sees every
 *    batch that held the lock before, so concurrent batches cannot lose each other's votes.
 */
/**
 * A fan acked by the room always existed (the room only takes votes from signed-in sessions), and accounts are
 * erased by anonymising the user row, never by deleting it (workers/api/src/privacy/erase.ts). Should a row be
 * missing anyway (removed by hand), the vote is kept the way an erased account's votes are: under an anonymous
 * tombstone, instead of a foreign-key error that would dead-letter an acknowledged vote on every attempt.
 */
export const ENSURE_VOTERS = `
insert into users (id, email, password_hash, display_name, deleted_at)
select u, 'deleted-' || u::text || '@deleted.invalid', '!', 'Deleted fan', now()
from unnest($1::uuid[]) as u
where not exists (select 1 from users x where x.id = u)
on conflict do nothing`;

export const UPSERT_SETLIST_SONGS = `
insert into setlist_songs (id, show_id, song_id, added_by, created_at)
select * from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[]) order by 1
on conflict (id) do update set added_by = coalesce(setlist_songs.added_by, excluded.added_by)`;

export const UPSERT_VOTES = `
insert into votes (id, user_id, setlist_song_id, show_id, active, room_seq, created_at, updated_at)
select id, user_id, setlist_song_id, show_id, active, room_seq, at, at
from unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::bool[], $6::bigint[], $7::timestamptz[])
  as t(id, user_id, setlist_song_id, show_id, active, room_seq, at)
on conflict (user_id, setlist_song_id) do update
  set id = excluded.id, active = excluded.active, room_seq = excluded.room_seq, updated_at = excluded.updated_at
  where votes.room_seq < excluded.room_seq`;

// Votes a moderator discounted (vote_discounts, docs/analytics.md) stay in `votes` but are not counted.
// Vote ids are unique per show only, so a discount is matched on its show too.
export const RECOUNT_SETLIST_SONGS = `
update setlist_songs s
set vote_count = (
  select count(*) from votes v
  where v.setlist_song_id = s.id and v.active
    and not exists (select 1 from vote_discounts d where d.vote_id = v.id and d.show_id = v.show_id)
)
where s.id = any($1::uuid[])`;

/**
 * Vote milestones of the songs the batch touched, after the recount: each (song, milestone) reached becomes a
 * notification trigger for the fan who added the song. The id is derived from the milestone (the same key as
 * src/shared/notifications/enqueue.ts), so a count that drops and climbs back, or a repeated batch, finds the
 * row and returns nothing: each milestone notifies exactly once.
 */
export const RECORD_VOTE_MILESTONES = `
insert into notification_events (id, kind, subject)
select md5('song_milestone:' || s.id::text || ':' || m.n::text)::uuid, 'song_milestone',
       jsonb_build_object('kind', 'song_milestone', 'setlistSongId', s.id, 'milestone', m.n)
from setlist_songs s cross join unnest($2::int[]) as m(n)
where s.id = any($1::uuid[]) and s.added_by is not null and s.vote_count >= m.n
on conflict (id) do nothing
returning id::text as id, subject`;
