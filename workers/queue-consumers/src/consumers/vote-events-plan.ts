import type { VoteEvent } from '#shared/schemas/events';

/** Column arrays for the batch statements, after collapsing what one statement may not touch twice. */
export interface VoteBatchPlan {
  setlistSongs: { id: string[]; showId: string[]; songId: string[]; addedBy: (string | null)[]; at: string[] };
  votes: {
    id: string[];
    userId: string[];
    setlistSongId: string[];
    showId: string[];
    active: boolean[];
    seq: number[];
    at: string[];
  };
  touchedSetlistSongIds: string[];
}

/**
 * Postgres refuses an upsert that hits the same row twice in one statement, so events are collapsed:
 * per setlist song the first known adder wins; per (user, setlist song) the highest sequence wins,
 * which is exactly what applying them one by one in order would leave behind.
 */
export function planVoteBatch(events: VoteEvent[]): VoteBatchPlan {
  const songs = new Map<string, { showId: string; songId: string; addedBy: string | null; at: string }>();
  const votes = new Map<string, Extract<VoteEvent, { kind: 'vote' | 'unvote' }>>();
  for (const event of events) {
    const known = songs.get(event.setlistSongId);
    const addedBy = event.kind === 'song_added' ? event.userId : null;
    if (!known) songs.set(event.setlistSongId, { showId: event.showId, songId: event.songId, addedBy, at: event.at });
    else if (!known.addedBy && addedBy) known.addedBy = addedBy;
    if (event.kind === 'song_added') continue;
    const key = `${event.userId}:${event.setlistSongId}`;
    const current = votes.get(key);
    if (!current || current.seq < event.seq) votes.set(key, event);
  }
  const plan: VoteBatchPlan = {
    setlistSongs: { id: [], showId: [], songId: [], addedBy: [], at: [] },
    votes: { id: [], userId: [], setlistSongId: [], showId: [], active: [], seq: [], at: [] },
    touchedSetlistSongIds: [...songs.keys()].sort(),
  };
  for (const id of plan.touchedSetlistSongIds) {
    const song = songs.get(id)!;
    plan.setlistSongs.id.push(id);
    plan.setlistSongs.showId.push(song.showId);
    plan.setlistSongs.songId.push(song.songId);
    plan.setlistSongs.addedBy.push(song.addedBy);
    plan.setlistSongs.at.push(song.at);
  }
  for (const vote of votes.values()) {
    plan.votes.id.push(vote.voteId);
    plan.votes.userId.push(vote.userId);
    plan.votes.setlistSongId.push(vote.setlistSongId);
    plan.votes.showId.push(vote.showId);
    plan.votes.active.push(vote.kind === 'vote');
    plan.votes.seq.push(vote.seq);
    plan.votes.at.push(vote.at);
  }
  return plan;
}
