import type { NeonQueryFunction } from '@neondatabase/serverless';
import type { ShowStatus } from '#shared/schemas/shows';
import type { LoadedShow } from './store';

/**
 * Builds a room from Postgres, the system of record, in one read-only round trip. Used when a room has
 * no storage yet: its first use, or a deployment that starts with empty Durable Object storage.
 * Counts are derived from the vote rows themselves, so the room starts exactly where Postgres is.
 */
export async function loadShowFromPostgres(
  sql: NeonQueryFunction<false, false>,
  showId: string,
): Promise<LoadedShow | undefined> {
  const [shows, catalogue, setlist, votes, played, accuracy, discounted] = await sql.transaction(
    [
      sql.query(
        `select s.id, s.artist_id, s.status, s.voting_opens_at, s.voting_closes_at, s.locked,
                (select coalesce(max(v.room_seq), 0) from votes v where v.show_id = s.id) as max_seq,
                (select a.revision from actual_setlists a where a.show_id = s.id) as played_revision
         from shows s where s.id = $1`,
        [showId],
      ),
      // The catalogue fans can add from: songs an admin removed stay on setlists that have them, but are not offered.
      sql.query(
        `select so.id, so.title from songs so join shows s on s.artist_id = so.artist_id where s.id = $1 and so.removed_at is null`,
        [showId],
      ),
      sql.query(
        `select ss.id, ss.song_id, so.title, ss.added_by from setlist_songs ss join songs so on so.id = ss.song_id where ss.show_id = $1`,
        [showId],
      ),
      sql.query(`select user_id, setlist_song_id, id, active from votes where show_id = $1`, [showId]),
      sql.query(`select position, song_id, title from played_songs where show_id = $1 order by position`, [showId]),
      sql.query(
        `select top_n, (details->>'hits')::int as hits, jsonb_array_length(details->'played') as played, precision, recall, position_bonus, score
         from show_accuracy where show_id = $1`,
        [showId],
      ),
      // Discounted votes (docs/analytics.md) stay votes, but the counts leave them out.
      sql.query(`select vote_id from vote_discounts where show_id = $1`, [showId]),
    ],
    { readOnly: true },
  );
  const show = (shows as Record<string, unknown>[])[0];
  if (!show) return undefined;
  const allVoteRows = votes as { user_id: string; setlist_song_id: string; id: string; active: boolean }[];
  const voteRows = allVoteRows.filter((v) => v.active);
  const playedRows = played as { position: number; song_id: string | null; title: string }[];
  const score = (
    accuracy as {
      top_n: number;
      hits: number;
      played: number;
      precision: number;
      recall: number;
      position_bonus: number;
      score: number;
    }[]
  )[0];
  const discountedIds = (discounted as { vote_id: string }[]).map((r) => r.vote_id);
  const notCounted = new Set(discountedIds);
  const counts = new Map<string, number>();
  for (const v of voteRows)
    if (!notCounted.has(v.id)) counts.set(v.setlist_song_id, (counts.get(v.setlist_song_id) ?? 0) + 1);
  return {
    meta: {
      showId,
      artistId: String(show.artist_id),
      status: show.status as ShowStatus,
      locked: show.locked === true,
      votingOpensAt: new Date(show.voting_opens_at as string | Date).getTime(),
      votingClosesAt: new Date(show.voting_closes_at as string | Date).getTime(),
      eventSeq: Number(show.max_seq),
    },
    catalogue: (catalogue as { id: string; title: string }[]).map((r) => ({ songId: r.id, title: r.title })),
    setlist: (setlist as { id: string; song_id: string; title: string; added_by: string | null }[]).map((r) => ({
      setlistSongId: r.id,
      songId: r.song_id,
      title: r.title,
      votes: counts.get(r.id) ?? 0,
      addedBy: r.added_by,
    })),
    votes: voteRows.map((r) => ({ userId: r.user_id, setlistSongId: r.setlist_song_id, voteId: r.id })),
    retiredVoteIds: allVoteRows
      .filter((r) => !r.active)
      .map((r) => ({ userId: r.user_id, setlistSongId: r.setlist_song_id, voteId: r.id })),
    played: playedRows.map((r) => ({ position: r.position, songId: r.song_id, title: r.title })),
    playedRevision: Number(show.played_revision ?? 0),
    ...(score
      ? {
          result: {
            topN: score.top_n,
            hits: score.hits,
            played: score.played,
            precision: score.precision,
            recall: score.recall,
            positionBonus: score.position_bonus,
            score: score.score,
          },
        }
      : {}),
    discounted: discountedIds,
  };
}
