/**
 * The demo's finished shows get what really happened: an actual setlist (played_songs, in play order) for every
 * completed show, and a few votes of the demo fan on the latest ones of artists he follows, so that scoring has
 * something to score for him. Scoring itself is the product's own finalisation (POST …/actual-setlist/finalize,
 * which scripts/dev.ts calls once the workers run): show_accuracy, fan points, leaderboards and the
 * "setlist published" notifications in the inbox all come from the real code.
 *
 * Deterministic (every "random" choice is a hash of ids) and idempotent: only completed shows without any played
 * song are touched, so it can run on every start of `npm run dev`, also on a database seeded before it existed.
 */
import { DEMO_FAN } from './accounts';
import { resultRows, type SqlExecutor } from './insert';

/** A number in [0, 1) from the md5 of `text`: the same ids always give the same choice. */
const UNIT = (text: string) => `(('x' || substr(md5(${text}), 1, 7))::bit(28)::int::float8 / 268435456)`;

/** Completed shows with no played song yet, the ones this seeds. */
const SHOWS_TO_SEED = `select s.id, s.artist_id, s.starts_at from shows s
  where s.status = 'completed' and not exists (select 1 from played_songs p where p.show_id = s.id)`;

/** The demo fan's latest such shows among the artists he follows, and how many of their top songs he votes for. */
const DEMO_SHOWS = 12;
const DEMO_VOTES_PER_SHOW = 3;

export interface ActualSetlistSeed {
  shows: number;
  playedSongs: number;
  demoVotes: number;
}

export async function seedActualSetlists(db: SqlExecutor): Promise<ActualSetlistSeed> {
  const demoVotes = resultRows(
    await db.query(
      `with demo as (select id from users where email = $1),
       recent as (
         select t.id from (${SHOWS_TO_SEED}) t join follows f on f.artist_id = t.artist_id and f.user_id = (select id from demo)
         order by t.starts_at desc limit ${DEMO_SHOWS}
       ),
       top as (
         select ss.id, ss.show_id, row_number() over (partition by ss.show_id order by ss.vote_count desc, ss.id) as rn
         from setlist_songs ss where ss.show_id in (select id from recent)
       ),
       inserted as (
         insert into votes (id, user_id, setlist_song_id, show_id, active, room_seq, created_at, updated_at)
         select md5('demo-vote:' || top.id)::uuid, (select id from demo), top.id, top.show_id, true, 0,
                s.voting_closes_at - interval '1 day', s.voting_closes_at - interval '1 day'
         from top join shows s on s.id = top.show_id
         where top.rn <= ${DEMO_VOTES_PER_SHOW}
         on conflict do nothing
         returning setlist_song_id
       )
       update setlist_songs ss set vote_count = ss.vote_count + 1
       from inserted i where ss.id = i.setlist_song_id
       returning ss.id`,
      [DEMO_FAN.email],
    ),
  ).length;

  // Predicted songs were played the likelier the more votes they had (fans know their artist); two to four songs
  // nobody predicted join them; the order is a shuffle, a song every ~5 minutes from the show's start.
  const played = resultRows(
    await db.query(
      `with todo as (${SHOWS_TO_SEED}),
       predicted as (
         select ss.show_id, ss.song_id, ss.vote_count, max(ss.vote_count) over (partition by ss.show_id) as most
         from setlist_songs ss join todo t on t.id = ss.show_id
       ),
       surprise as (
         select t.id as show_id, so.id as song_id,
                row_number() over (partition by t.id order by md5(t.id::text || so.id::text)) as rn,
                2 + (('x' || substr(md5(t.id::text), 1, 2))::bit(8)::int % 3) as wanted
         from todo t join songs so on so.artist_id = t.artist_id
         where not exists (select 1 from setlist_songs ss where ss.show_id = t.id and ss.song_id = so.id)
       ),
       chosen as (
         select show_id, song_id from predicted
         where ${UNIT("show_id::text || song_id::text || 'played'")} < 0.3 + 0.6 * vote_count / greatest(most, 1)
         union
         select show_id, song_id from surprise where rn <= wanted
       ),
       ordered as (
         select c.show_id, c.song_id,
                row_number() over (partition by c.show_id order by md5(c.show_id::text || c.song_id::text || 'order')) as position
         from chosen c
       )
       insert into played_songs (show_id, position, song_id, title, source, played_at)
       select o.show_id, o.position, o.song_id, so.title, 'setlistfm', t.starts_at + o.position * interval '5 minutes'
       from ordered o join songs so on so.id = o.song_id join todo t on t.id = o.show_id
       returning show_id`,
    ),
  ) as { show_id: string }[];

  // The setlist is "live" (not final) until the finalisation scores it; its revision counts the songs marked.
  await db.query(
    `insert into actual_setlists (show_id, state, source, revision, updated_at)
     select show_id, 'live', 'setlistfm', count(*), max(played_at) from played_songs
     where show_id = any($1::uuid[]) group by show_id
     on conflict (show_id) do nothing`,
    [`{${[...new Set(played.map((p) => p.show_id))].join(',')}}`],
  );
  return { shows: new Set(played.map((p) => p.show_id)).size, playedSongs: played.length, demoVotes };
}

/** Completed shows whose actual setlist is not final yet: the ones to finalise (score) through the api. */
export async function showsToFinalize(db: SqlExecutor): Promise<string[]> {
  const rows = resultRows(
    await db.query(
      `select s.id from shows s join actual_setlists a on a.show_id = s.id
       where s.status = 'completed' and a.state = 'live' order by s.starts_at desc`,
    ),
  ) as { id: string }[];
  return rows.map((r) => r.id);
}
