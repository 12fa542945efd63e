/**
 * What the api worker may call on a ShowRoom Durable Object. The api worker cannot import the realtime
 * worker's class, so this interface is the contract both compile against.
 */

import type { UserRole } from './schemas/auth';
import type { RoomError, RoomPlayed, RoomSong } from './schemas/room';
import type { PlayedEntry, PredictionScore } from './schemas/scoring';
import type { ShowStatus } from './schemas/shows';

/** Headers the api worker sets when it hands a WebSocket to a room; it strips them from client requests. */
export const ROOM_HEADERS = {
  userId: 'X-MySetlist-User-Id',
  role: 'X-MySetlist-Role',
  showId: 'X-MySetlist-Show-Id',
  requestId: 'X-Request-Id',
  /** The client's network id (workers/api/src/analytics/network-id.ts), carried into the socket's vote events. */
  networkId: 'X-MySetlist-Network-Id',
} as const;

export interface RoomActor {
  userId: string;
  role: UserRole;
  /** Keyed hash of the client's /24 or /48 (never the address): copied into the vote event for the anomaly rules. */
  networkId?: string;
}

export type RoomResult<T> = { ok: true; value: T } | { ok: false; error: RoomError };

export interface VoteResult {
  setlistSongId: string;
  votes: number;
  voteId: string;
  /** true when this vote id had already been accepted: the first result is returned again. */
  repeated: boolean;
}

export interface SetlistView {
  showId: string;
  seq: number;
  status: ShowStatus;
  locked: boolean;
  votingOpen: boolean;
  songs: RoomSong[];
  myVotes: string[];
}

/**
 * The actual setlist as Postgres has it after a change (a song marked or undone, a finalisation). The room keeps
 * the newest revision it was given and broadcasts the difference as `played`/`unplayed` messages; an older
 * revision than the room's is ignored, so two pushes that cross cannot roll it back.
 */
export interface ActualSetlistUpdate {
  revision: number;
  /** The whole actual setlist in play order (positions 1..n). */
  songs: PlayedEntry[];
  /** The show's status in Postgres after the change (marking the first song makes an upcoming show live). */
  status: ShowStatus;
  /** Set once the setlist is final and scored: the room announces it in a `result` message. */
  result?: PredictionScore;
}

/**
 * The calls that change the room take the caller's W3C `traceparent` (src/shared/trace/context.ts): the room's
 * decision and the events it writes to its outbox stay in the caller's trace.
 */
export interface ShowRoomRpc {
  setlist(showId: string, userId: string | null): Promise<RoomResult<SetlistView>>;
  addSong(
    showId: string,
    actor: RoomActor,
    songId: string,
    traceparent?: string,
  ): Promise<RoomResult<RoomSong & { repeated: boolean }>>;
  vote(
    showId: string,
    actor: RoomActor,
    setlistSongId: string,
    voteId: string,
    traceparent?: string,
  ): Promise<RoomResult<VoteResult>>;
  unvote(
    showId: string,
    actor: RoomActor,
    setlistSongId: string,
    traceparent?: string,
  ): Promise<RoomResult<{ setlistSongId: string; votes: number }>>;
  setLocked(showId: string, actor: RoomActor, locked: boolean): Promise<RoomResult<{ locked: boolean }>>;
  /** The show's lifecycle moved on (live, completed, cancelled): votes close and sockets are told. */
  setStatus(showId: string, status: ShowStatus): Promise<RoomResult<{ status: ShowStatus }>>;
  /** The actual setlist changed in Postgres: see ActualSetlistUpdate. Returns what the room now holds. */
  syncActualSetlist(
    showId: string,
    update: ActualSetlistUpdate,
  ): Promise<RoomResult<{ revision: number; played: RoomPlayed[] }>>;
  /**
   * A moderator discounted (or restored) votes flagged as anomalous: the room stops (or resumes) counting them,
   * recounts, and broadcasts the changed tallies. Nothing is deleted; Postgres (vote_discounts) is the record,
   * and a room rebuilt from Postgres loads the discounts with the votes.
   */
  setDiscounted(
    showId: string,
    voteIds: string[],
    discounted: boolean,
  ): Promise<RoomResult<{ changed: { setlistSongId: string; votes: number }[] }>>;
}

export type ShowRoomStub = DurableObjectStub<ShowRoomRpc & Rpc.DurableObjectBranded>;

/** The stub of a show's room. Takes any namespace binding of ShowRoom (typed in realtime, untyped in api). */
export function showRoomStub(
  namespace: Pick<DurableObjectNamespace, 'idFromName'> & { get(id: DurableObjectId): unknown },
  showId: string,
): ShowRoomStub {
  return namespace.get(namespace.idFromName(showId)) as ShowRoomStub;
}
