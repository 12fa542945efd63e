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
  /** The session that authenticated the socket: a revocation of that session closes it (revokeSockets). */
  sessionId: 'X-MySetlist-Session-Id',
  /**
   * On a socket handed to a fan-out shard: the shard's index. On the room's answer to an upgrade: the room
   * placed the socket on that shard instead of taking it (see `placeLiveSocket`).
   */
  shard: 'X-MySetlist-Room-Shard',
  /** `off`: the feature flag room_fanout is off for this show, so the room keeps the socket itself. */
  fanout: 'X-MySetlist-Fanout',
} as const;

/** The close code of a socket whose session was revoked; a client that reconnects is an anonymous watcher. */
export const SESSION_REVOKED_CLOSE_CODE = 4401;

/**
 * Which sockets a revocation reaches: the user's sockets of the given sessions (log-out, revoking one or all other
 * sessions, a password change), or every socket of the user when `sessionIds` is absent (account deletion).
 */
export interface SocketRevocation {
  userId: string;
  sessionIds?: string[];
  /** The account is deleted: the room also forgets what it keeps about the user beyond the votes' opaque id. */
  accountDeleted?: boolean;
}

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

/** What an edit of a show changed that its room decides with (ISO instants for the voting window). */
export interface ShowMetaUpdate {
  status?: ShowStatus;
  locked?: boolean;
  votingOpensAt?: string;
  votingClosesAt?: string;
}

/**
 * What finalisation asks of a room before it scores the show from Postgres (ShowRoomRpc.settleVotes): the show's
 * status as Postgres now has it (the show has started, so voting is closed), and how long the room may take to
 * see every event it acknowledged in Postgres.
 */
export interface SettleRequest {
  status: ShowStatus;
  timeoutMs: number;
}

export interface RoomSettlement {
  /** Postgres holds every event the room acknowledged (a vote, a retraction, a song added). */
  settled: boolean;
  /** Acknowledged events Postgres has not been seen to hold yet (0 when settled). */
  pending: number;
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
  /**
   * The show was edited in Postgres (status, voting window, lock): a loaded room takes the new values and tells
   * its sockets when voting opened or closed; a room not loaded yet ignores it (it loads the edited show).
   */
  updateShowMeta(showId: string, update: ShowMetaUpdate): Promise<RoomResult<{ updated: boolean }>>;
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
  /**
   * Finalisation is about to score the show from Postgres: the room takes the status (voting closes, sockets are
   * told), then sends and confirms its outbox until Postgres holds every event it acknowledged, for at most
   * `timeoutMs`. Answers at once when nothing is pending; never loads a room (one not loaded acknowledged nothing).
   */
  settleVotes(showId: string, request: SettleRequest): Promise<RoomResult<RoomSettlement>>;
  /**
   * Sessions were revoked or the account deleted (SocketRevocation): the room closes the matching sockets with
   * SESSION_REVOKED_CLOSE_CODE before it answers, so none of them can vote afterwards. Never loads a room.
   */
  revokeSockets(showId: string, revocation: SocketRevocation): Promise<RoomResult<{ closed: number }>>;
  /**
   * An operator's recheck after Postgres was restored (docs/operations.md, "Recovery"): the room compares every
   * vote it holds with Postgres now, whether or not anything happened since its last check, and writes the events
   * Postgres lacks (idempotent: a second call finds nothing to repair). Never loads a room: one that holds nothing
   * has nothing Postgres could lack.
   */
  recheck(showId: string): Promise<RoomResult<RoomRecheck>>;
}

export interface RoomRecheck {
  /** The room held state (it has seen the show); false: nothing to compare. */
  loaded: boolean;
  /**
   * The comparison ran. False while events are still in flight to Postgres: the room then runs it by itself as
   * soon as they are confirmed (call again to see the outcome).
   */
  settled: boolean;
  /** Repair events written (votes, retractions and setlist songs Postgres lacked or held wrongly). */
  repairs: number;
  /** Events the queue had taken that Postgres lacks, sent again at once. */
  resent: number;
}

export type ShowRoomStub = DurableObjectStub<ShowRoomRpc & Rpc.DurableObjectBranded>;

/** The name of a fan-out shard's Durable Object (`idFromName`): one per show and shard index. */
export function fanoutShardName(showId: string, shard: number): string {
  return `${showId}#fanout-${shard}`;
}

/**
 * Where a show's room is (src/shared/regions/room-address.ts): its jurisdiction and the location hint it is created
 * with. A bare show id is a room outside any jurisdiction, without a hint (the realtime worker's own tests).
 */
export interface RoomAddress {
  showId: string;
  jurisdiction: DurableObjectJurisdiction | null;
  locationHint: DurableObjectLocationHint | null;
}

/** Any namespace binding of ShowRoom or RoomFanout (typed in realtime, untyped in api and queue-consumers). */
export interface RoomNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions): unknown;
  jurisdiction(jurisdiction: DurableObjectJurisdiction): RoomNamespace;
}

function addressOf(room: string | RoomAddress): RoomAddress {
  return typeof room === 'string' ? { showId: room, jurisdiction: null, locationHint: null } : room;
}

/** The namespace of a jurisdiction; null or undefined (a `DurableObjectId` outside any): the namespace itself. */
export function inJurisdiction<N extends RoomNamespace>(namespace: N, jurisdiction: string | null | undefined): N {
  return (jurisdiction ? namespace.jurisdiction(jurisdiction as DurableObjectJurisdiction) : namespace) as N;
}

/**
 * The stub of the object `name` at a room's address: in the room's jurisdiction, created (if it is new) near the
 * hint. The hint only matters for an object's first request; passing it every time keeps callers simple.
 */
function objectAt(namespace: RoomNamespace, address: RoomAddress, name: string): unknown {
  const placed = inJurisdiction(namespace, address.jurisdiction);
  const id = placed.idFromName(name);
  return address.locationHint ? placed.get(id, { locationHint: address.locationHint }) : placed.get(id);
}

/**
 * Hands a WebSocket upgrade to the show's live room. The room either takes the socket (101) or, when its
 * sockets are spread over fan-out shards (docs/realtime.md, "The fan-out tier"), answers with the shard it
 * placed it on (header `ROOM_HEADERS.shard`, no socket); the upgrade then goes to that shard, which lives in the
 * room's jurisdiction. One call to the room per join either way: placement is an in-memory decision there, and
 * the snapshot is the shard's work. `upgrade` builds a fresh upgrade request each time (a Request cannot be sent
 * twice).
 */
export async function placeLiveSocket(
  bindings: { room: RoomNamespace; fanout: RoomNamespace },
  room: string | RoomAddress,
  upgrade: (shard: number | null) => Request,
): Promise<Response> {
  const address = addressOf(room);
  const answer = await showRoomStub(bindings.room, address).fetch(upgrade(null));
  const shard = answer.status === 101 ? null : answer.headers.get(ROOM_HEADERS.shard);
  if (shard === null) return answer;
  const index = Number(shard);
  const stub = objectAt(bindings.fanout, address, fanoutShardName(address.showId, index)) as Fetcher;
  return stub.fetch(upgrade(index));
}

/** The stub of a show's room at its address (`roomAddressOf`, src/shared/regions/room-address.ts). */
export function showRoomStub(namespace: RoomNamespace, room: string | RoomAddress): ShowRoomStub {
  const address = addressOf(room);
  return objectAt(namespace, address, address.showId) as ShowRoomStub;
}
