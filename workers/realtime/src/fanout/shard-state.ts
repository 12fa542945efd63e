import type { RoomPlayed, RoomSong, ServerMessage, ServerSnapshot } from '#shared/schemas/room';
import { RESUME_REPLAY_MAX } from '../socket/client-frame';
import type { FanoutBase, FanoutSync, LoggedMessage } from './protocol';

/** Messages a shard keeps for `resume`: a socket further behind gets a snapshot anyway. */
const LOG_KEEP = RESUME_REPLAY_MAX;

/**
 * A shard's copy of the room: the base it synced, with every logged message the room delivered since applied
 * to it, exactly as a client applies them (absolute counts, played/unplayed by position). It serves snapshots
 * and `resume` without asking the room, except for the one thing it does not see: a fan's own votes.
 */
export class ShardState {
  #base: FanoutBase;
  readonly #songs: Map<string, RoomSong>;
  #played: RoomPlayed[];
  readonly #log: LoggedMessage[];

  constructor(sync: FanoutSync) {
    this.#base = { ...sync.base };
    this.#songs = new Map(sync.base.songs.map((s) => [s.setlistSongId, { ...s }]));
    this.#played = [...sync.base.played];
    this.#log = sync.log.filter((m) => m.seq <= sync.base.seq).slice(-LOG_KEEP);
  }

  get seq(): number {
    return this.#base.seq;
  }

  /** Applies the next logged message (seq must be this.seq + 1). */
  apply(seq: number, body: string): void {
    const message = JSON.parse(body) as ServerMessage;
    switch (message.type) {
      case 'update':
        for (const song of message.added) this.#songs.set(song.setlistSongId, { ...song });
        for (const change of message.changes) {
          const song = this.#songs.get(change.setlistSongId);
          if (song) song.votes = change.votes;
        }
        if (message.viewers !== undefined) this.#base.viewers = message.viewers;
        break;
      case 'status':
        this.#base.status = message.status;
        this.#base.locked = message.locked;
        break;
      case 'played': {
        const { type: _t, seq: _s, ...entry } = message;
        this.#played.splice(entry.position - 1, 0, entry);
        this.#renumber();
        break;
      }
      case 'unplayed':
        this.#played.splice(message.position - 1, 1);
        this.#renumber();
        break;
      case 'result': {
        const { type: _t, seq: _s, ...result } = message;
        this.#base.result = result;
        break;
      }
      default:
        break;
    }
    this.#base.seq = seq;
    this.#log.push({ seq, body });
    if (this.#log.length > LOG_KEEP) this.#log.splice(0, this.#log.length - LOG_KEEP);
  }

  #renumber(): void {
    this.#played = this.#played.map((entry, i) => ({ ...entry, position: i + 1 }));
  }

  /** The messages after `since`, or undefined when a snapshot is due (unknown seq, or too far behind). */
  since(since: number): string[] | undefined {
    if (!Number.isInteger(since) || since > this.seq || this.seq - since > RESUME_REPLAY_MAX) return undefined;
    if (since === this.seq) return [];
    const first = this.#log.findIndex((m) => m.seq === since + 1);
    if (first < 0) return undefined;
    return this.#log.slice(first).map((m) => m.body);
  }

  snapshot(myVotes: string[], now = Date.now()): ServerSnapshot {
    const b = this.#base;
    return {
      type: 'snapshot',
      seq: b.seq,
      status: b.status,
      locked: b.locked,
      // The room's rule (show-room.ts #votingClosedReason), on the clock of the shard.
      votingOpen: !b.locked && b.status === 'upcoming' && now >= b.votingOpensAt && now < b.votingClosesAt,
      songs: [...this.#songs.values()]
        .map((s) => ({ ...s }))
        .sort((x, y) => y.votes - x.votes || (x.title < y.title ? -1 : x.title > y.title ? 1 : 0)),
      myVotes,
      viewers: b.viewers,
      played: this.#played.map((p) => ({ ...p })),
      ...(b.result ? { result: b.result } : {}),
    };
  }
}
