/**
 * The show page's model of the live room, without DOM or socket: what the server confirmed, plus the fan's
 * own votes still waiting for their ack (optimistic UI). Counts from the server are absolute, so applying a
 * message twice is harmless; an error ack simply drops the pending vote, which rolls the display back.
 */
import type { RoomPlayed, RoomSong, ServerMessage, ServerSnapshot } from '#shared/schemas/room';
import type { PredictionScore } from '#shared/schemas/scoring';

export type PendingKind = 'vote' | 'unvote';
export interface Pending {
  kind: PendingKind;
  setlistSongId: string;
}

export interface DisplaySong {
  setlistSongId: string;
  songId: string;
  title: string;
  votes: number;
  mine: boolean;
  pending: boolean;
}

export interface Applied {
  /** Songs whose count changed because of other fans (worth announcing). */
  changed: string[];
  /** An error ack of one of this fan's messages. */
  refused?: { ref: string | null; code: string; message: string; pending?: Pending };
  /** A successful ack, with the server's result. */
  accepted?: { ref: string; result: Record<string, unknown> | undefined };
  /** `seq` jumped: the caller should send `resume`. */
  gap?: boolean;
  /** A song a moderator just marked as played. */
  playedNow?: RoomPlayed;
  /** The prediction was just scored. */
  scored?: boolean;
}

export class RoomState {
  readonly songs = new Map<string, RoomSong & { order: number }>();
  readonly mine = new Set<string>();
  readonly pending = new Map<string, Pending>();
  seq = -1;
  status = 'upcoming';
  locked = false;
  votingOpen = false;
  viewers: number | null = null;
  /** The actual setlist so far, in play order. */
  played: RoomPlayed[] = [];
  /** The prediction's score, once the show is final. */
  result: PredictionScore | undefined;
  #order = 0;

  upsert(song: RoomSong): void {
    const known = this.songs.get(song.setlistSongId);
    this.songs.set(song.setlistSongId, { ...song, order: known?.order ?? this.#order++ });
  }

  applySnapshot(snapshot: ServerSnapshot): void {
    this.songs.clear();
    this.#order = 0;
    for (const song of snapshot.songs) this.upsert(song);
    this.mine.clear();
    for (const id of snapshot.myVotes) this.mine.add(id);
    this.seq = snapshot.seq;
    this.status = snapshot.status;
    this.locked = snapshot.locked;
    this.votingOpen = snapshot.votingOpen;
    this.viewers = snapshot.viewers;
    this.played = [...snapshot.played].sort((a, b) => a.position - b.position);
    this.result = snapshot.result;
  }

  /** Where a sequenced message stands: the next one, one already applied (a replay), or after a gap. */
  #placeOf(seq: number): 'next' | 'old' | 'gap' {
    if (this.seq >= 0 && seq > this.seq + 1) return 'gap';
    if (seq <= this.seq) return 'old';
    return 'next';
  }

  apply(message: ServerMessage): Applied {
    switch (message.type) {
      case 'snapshot':
        this.applySnapshot(message);
        return { changed: [] };
      case 'update': {
        const at = this.#placeOf(message.seq);
        if (at === 'gap') return { changed: [], gap: true };
        if (at === 'old') return { changed: [] }; // already applied (a replay)
        const changed: string[] = [];
        for (const song of message.added) {
          this.upsert(song);
          changed.push(song.setlistSongId);
        }
        for (const change of message.changes) {
          const song = this.songs.get(change.setlistSongId);
          if (!song || song.votes === change.votes) continue;
          song.votes = change.votes;
          changed.push(change.setlistSongId);
        }
        if (message.viewers !== undefined) this.viewers = message.viewers;
        this.seq = message.seq;
        return { changed };
      }
      case 'status':
        if (message.seq > this.seq) this.seq = message.seq;
        this.status = message.status;
        this.locked = message.locked;
        this.votingOpen = message.votingOpen;
        return { changed: [] };
      case 'ack': {
        if (!message.ok) {
          const pending = message.ref ? this.pending.get(message.ref) : undefined;
          if (message.ref) this.pending.delete(message.ref);
          // The server says this fan has voted already (another tab): that is the truth to show.
          if (pending && message.error.code === 'already_voted') this.mine.add(pending.setlistSongId);
          return {
            changed: [],
            refused: {
              ref: message.ref,
              code: message.error.code,
              message: message.error.message,
              ...(pending ? { pending } : {}),
            },
          };
        }
        const pending = this.pending.get(message.ref);
        this.pending.delete(message.ref);
        const result = message.result;
        if (pending) {
          if (pending.kind === 'vote') this.mine.add(pending.setlistSongId);
          else this.mine.delete(pending.setlistSongId);
          // A repeated vote's count is the one of its first time: the snapshot and updates are newer.
          const votes = result?.votes;
          const song = this.songs.get(pending.setlistSongId);
          if (song && typeof votes === 'number' && result?.repeated !== true) song.votes = votes;
        }
        return { changed: [], accepted: { ref: message.ref, result } };
      }
      case 'played': {
        const at = this.#placeOf(message.seq);
        if (at !== 'next') return { changed: [], gap: at === 'gap' };
        this.seq = message.seq;
        const { type: _type, seq: _seq, ...entry } = message;
        this.played = [...this.played.filter((p) => p.position !== entry.position), entry].sort(
          (a, b) => a.position - b.position,
        );
        return { changed: [], playedNow: entry };
      }
      case 'unplayed': {
        const at = this.#placeOf(message.seq);
        if (at !== 'next') return { changed: [], gap: at === 'gap' };
        this.seq = message.seq;
        // The songs after the removed one move up one position.
        this.played = this.played
          .filter((p) => p.position !== message.position)
          .map((p) => (p.position > message.position ? { ...p, position: p.position - 1 } : p));
        return { changed: [] };
      }
      case 'result': {
        const at = this.#placeOf(message.seq);
        if (at !== 'next') return { changed: [], gap: at === 'gap' };
        this.seq = message.seq;
        const { type: _type, seq: _seq, ...score } = message;
        this.result = score;
        return { changed: [], scored: true };
      }
      case 'pong':
        return { changed: [] };
    }
  }

  /** Starts a vote or a take-back on a song; false when one is already on its way for that song. */
  begin(id: string, kind: PendingKind, setlistSongId: string): boolean {
    for (const p of this.pending.values()) if (p.setlistSongId === setlistSongId) return false;
    this.pending.set(id, { kind, setlistSongId });
    return true;
  }

  pendingFor(setlistSongId: string): Pending | undefined {
    for (const p of this.pending.values()) if (p.setlistSongId === setlistSongId) return p;
    return undefined;
  }

  /** What the fan sees: confirmed counts with their own pending votes applied, most voted first. */
  display(): DisplaySong[] {
    const rows = [...this.songs.values()].map((song) => {
      const p = this.pendingFor(song.setlistSongId);
      const confirmedMine = this.mine.has(song.setlistSongId);
      let votes = song.votes;
      let mine = confirmedMine;
      if (p?.kind === 'vote' && !confirmedMine) {
        votes += 1;
        mine = true;
      } else if (p?.kind === 'unvote' && confirmedMine) {
        votes = Math.max(0, votes - 1);
        mine = false;
      }
      return {
        setlistSongId: song.setlistSongId,
        songId: song.songId,
        title: song.title,
        votes,
        mine,
        pending: Boolean(p),
        order: song.order,
      };
    });
    rows.sort((a, b) => b.votes - a.votes || a.order - b.order);
    return rows.map(({ order: _order, ...row }) => row);
  }
}
