/**
 * What the room and its fan-out shards call on each other (both classes live in this worker's source; with
 * `wrangler.fanout.toml` the shards run as their own worker built from the same files).
 */
import type { RoomActor, RoomResult, ShowRoomRpc, SocketRevocation, VoteResult } from '#shared/room-rpc';
import type { RoomPlayed, RoomSong } from '#shared/schemas/room';
import type { PredictionScore } from '#shared/schemas/scoring';
import type { ShowStatus } from '#shared/schemas/shows';

/** The room's state at `seq`, from which a shard builds every snapshot it serves. */
export interface FanoutBase {
  seq: number;
  status: ShowStatus;
  locked: boolean;
  votingOpensAt: number;
  votingClosesAt: number;
  songs: RoomSong[];
  played: RoomPlayed[];
  result?: PredictionScore;
  viewers: number;
}

export interface LoggedMessage {
  seq: number;
  body: string;
}

/** A shard's start: the base and the room's last logged messages up to it (for `resume`). */
export interface FanoutSync {
  base: FanoutBase;
  log: LoggedMessage[];
}

/** A vote or unvote of one of a shard's sockets, for the room to decide (`decide`). */
export type FanoutDecision = (
  | { type: 'vote'; actor: RoomActor; setlistSongId: string; voteId: string }
  | { type: 'unvote'; actor: RoomActor; setlistSongId: string }
) & { traceparent?: string };

/** The room's answer to one decision: what `vote` or `unvote` would have answered. */
export type FanoutDecided = RoomResult<VoteResult | { setlistSongId: string; votes: number }>;

/** The room's side, called by shards (besides `vote`, `unvote` and `addSong` of ShowRoomRpc). */
export interface FanoutRoomRpc extends ShowRoomRpc {
  /** Opens (registers) the shard and returns what it needs to serve snapshots and `resume`. */
  fanoutSync(showId: string, shard: number): Promise<RoomResult<FanoutSync>>;
  /**
   * The votes and unvotes a shard's sockets sent while its previous call was in flight, decided in order; one
   * answer per decision, in the same order. The call answers once every accepted one is durable in the room.
   */
  decide(showId: string, decisions: FanoutDecision[]): Promise<RoomResult<FanoutDecided[]>>;
  /** A fan's active votes, for a snapshot the shard builds. */
  myVotes(showId: string, userId: string): Promise<RoomResult<string[]>>;
  /** The shard's socket count changed (placement and the room's `viewers`). */
  fanoutCount(showId: string, shard: number, sockets: number): Promise<void>;
}

/** The shard's side, called by the room. */
export interface RoomFanoutRpc {
  /** One logged message (an update, status, played…) for every socket of the shard; returns its socket count. */
  deliver(showId: string, shard: number, seq: number, body: string): Promise<number>;
  /**
   * Closes every socket of one fan on this shard (for session revocation: the room forwards its own RPC for
   * it to every open shard through ShardSet.closeUserSockets). Returns how many were closed.
   */
  closeUserSockets(
    showId: string,
    shard: number,
    revocation: SocketRevocation,
    code: number,
    reason: string,
  ): Promise<number>;
}
