/**
 * What the disaster-recovery drill records before the disaster and checks after the recovery: the vote rows,
 * the tallies, the scores, the leaderboards and the notification state of the drill's own shows and fans.
 * Each part is a map from a key to a printable value, so two records compare key by key.
 */
import type { BenchDb } from '../../bench/room/db';

export type Part = Map<string, string>;

export interface DrillState {
  votes: Part;
  tallies: Part;
  scores: Part;
  leaderboards: Part;
  notifications: Part;
}

export const PARTS = ['votes', 'tallies', 'scores', 'leaderboards', 'notifications'] as const;

async function part(db: BenchDb, text: string, params: unknown[]): Promise<Part> {
  const rows = (await db.query(text, params)) as { k: string; v: string }[];
  return new Map(rows.map((r) => [r.k, String(r.v)]));
}

export async function recordState(
  db: BenchDb,
  scope: { showIds: string[]; userIds: string[]; artistId: string },
): Promise<DrillState> {
  const shows = [scope.showIds];
  return {
    // Every standing vote and its id (a retracted vote and no vote at all count the same).
    votes: await part(
      db,
      `select user_id || ':' || setlist_song_id as k, id::text as v from votes where show_id = any($1::uuid[]) and active`,
      shows,
    ),
    tallies: await part(
      db,
      `select id::text as k, vote_count::text as v from setlist_songs where show_id = any($1::uuid[])`,
      shows,
    ),
    scores: await part(
      db,
      `select 'accuracy:' || show_id as k, score || '/' || top_n as v from show_accuracy where show_id = any($1::uuid[])
       union all
       select 'fan:' || show_id || ':' || user_id, points || '/' || songs_hit || '/' || songs_voted
       from fan_scores where show_id = any($1::uuid[])`,
      shows,
    ),
    // What the boards read (src/shared/scoring/rollups.ts): the artist's all-time board ranked from its rollup and
    // its period rows; each drill fan's all-time totals (the global board) and period rows. And the artist's board
    // summed from fan_scores, what the rollup must equal.
    leaderboards: await part(
      db,
      `select 'artist:' || user_id as k, rank() over (order by points desc) || '/' || points || '/' || shows as v
       from fan_artist_totals where artist_id = $1
       union all
       select 'artist:' || period || ':' || period_start || ':' || user_id, points || '/' || shows || '/' || songs_hit
       from fan_artist_period_totals where artist_id = $1
       union all
       select 'artist-sum:' || user_id, rank() over (order by sum(points) desc) || '/' || sum(points) || '/' || count(*)
       from fan_scores where artist_id = $1 group by user_id
       union all
       select 'total:' || user_id, points || '/' || shows || '/' || songs_hit from fan_totals
       where user_id = any($2::uuid[]) and shows > 0
       union all
       select 'period:' || period || ':' || period_start || ':' || user_id, points || '/' || shows || '/' || songs_hit
       from fan_period_totals where user_id = any($2::uuid[])`,
      [scope.artistId, scope.userIds],
    ),
    // Milestone triggers of the drill's songs, and each drill fan's inbox (unread / all).
    notifications: await part(
      db,
      `select 'event:' || id as k, kind::text as v from notification_events
       where subject->>'setlistSongId' in (select id::text from setlist_songs where show_id = any($1::uuid[]))
       union all
       select 'inbox:' || user_id, count(*) filter (where read_at is null) || '/' || count(*) from notifications
       where user_id = any($2::uuid[]) group by user_id`,
      [scope.showIds, scope.userIds],
    ),
  };
}

export interface PartDiff {
  recorded: number;
  now: number;
  /** Keys recorded but absent now, present now but not recorded, and present in both with another value. */
  missing: number;
  extra: number;
  changed: number;
}

export function diffPart(recorded: Part, now: Part): PartDiff {
  let missing = 0;
  let changed = 0;
  for (const [k, v] of recorded) {
    const there = now.get(k);
    if (there === undefined) missing++;
    else if (there !== v) changed++;
  }
  const extra = [...now.keys()].filter((k) => !recorded.has(k)).length;
  return { recorded: recorded.size, now: now.size, missing, extra, changed };
}

export const same = (d: PartDiff) => d.missing + d.extra + d.changed === 0;
