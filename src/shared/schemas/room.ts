/**
 * The live room's WebSocket protocol: one discriminated union per direction, used by the Durable Object,
 * the api worker and every client. Field names may be added, never changed (docs/realtime.md).
 */
import { z } from 'zod';
import { PlayedEntry, PredictionScore } from './scoring';
import { ShowStatus } from './shows';

/** A client-chosen message id: the ack's `ref`. For a vote it is also the vote's idempotency key. */
const MessageId = z.string().min(1).max(64);

/**
 * A W3C `traceparent` a client may put on a message that changes the room, so the vote joins its own trace
 * (docs/operations.md#traces); a malformed one is ignored and the room starts a new trace.
 */
const Traceparent = z.string().max(100).optional();
export const ClientVote = z.object({
  type: z.literal('vote'),
  id: z.uuid(),
  setlistSongId: z.uuid(),
  traceparent: Traceparent,
});
export const ClientUnvote = z.object({
  type: z.literal('unvote'),
  id: MessageId,
  setlistSongId: z.uuid(),
  traceparent: Traceparent,
});
export const ClientAddSong = z.object({
  type: z.literal('add_song'),
  id: MessageId,
  songId: z.uuid(),
  traceparent: Traceparent,
});
export const ClientResume = z.object({ type: z.literal('resume'), since: z.number().int().min(0) });
export const ClientPing = z.object({ type: z.literal('ping'), id: MessageId.optional() });

export const ClientMessage = z.discriminatedUnion('type', [
  ClientVote,
  ClientUnvote,
  ClientAddSong,
  ClientResume,
  ClientPing,
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export const RoomSong = z.object({
  setlistSongId: z.uuid(),
  songId: z.uuid(),
  title: z.string(),
  votes: z.number().int().min(0),
});
export type RoomSong = z.infer<typeof RoomSong>;

/** A song of the actual setlist, with its entry on the predicted setlist when fans had put it there. */
export const RoomPlayed = PlayedEntry.extend({ setlistSongId: z.uuid().nullable() });
export type RoomPlayed = z.infer<typeof RoomPlayed>;

export const RoomError = z.object({ code: z.string(), message: z.string() });
export type RoomError = z.infer<typeof RoomError>;

/** Where the room stands: the show's status, whether a moderator locked it, whether voting is open. */
const RoomState = { status: ShowStatus, locked: z.boolean(), votingOpen: z.boolean() };

export const ServerSnapshot = z.object({
  type: z.literal('snapshot'),
  seq: z.number().int(),
  ...RoomState,
  songs: z.array(RoomSong),
  myVotes: z.array(z.uuid()),
  viewers: z.number().int(),
  /** The actual setlist so far, in play order. */
  played: z.array(RoomPlayed),
  /** The prediction's score, once the show is completed and scored. */
  result: PredictionScore.optional(),
});
export const ServerAck = z.union([
  z.object({
    type: z.literal('ack'),
    ref: z.string(),
    ok: z.literal(true),
    result: z.record(z.string(), z.unknown()).optional(),
    /** The W3C trace id of the change (GET /v1/admin/traces/{traceId} when it was sampled). */
    traceId: z.string().optional(),
  }),
  z.object({ type: z.literal('ack'), ref: z.string().nullable(), ok: z.literal(false), error: RoomError }),
]);
export const ServerUpdate = z.object({
  type: z.literal('update'),
  seq: z.number().int(),
  changes: z.array(z.object({ setlistSongId: z.uuid(), votes: z.number().int() })),
  added: z.array(RoomSong),
  viewers: z.number().int().optional(),
});
export const ServerStatus = z.object({ type: z.literal('status'), seq: z.number().int(), ...RoomState });
/** A moderator marked a song as played (or an import set the actual setlist): it is now at `position`. */
export const ServerPlayed = z.object({ type: z.literal('played'), seq: z.number().int() }).extend(RoomPlayed.shape);
/** The song at `position` is no longer on the actual setlist (an undo); the songs after it move up one position. */
export const ServerUnplayed = z
  .object({ type: z.literal('unplayed'), seq: z.number().int() })
  .extend(PlayedEntry.shape);
/** The actual setlist is final and the prediction was scored (docs/scoring.md). Sent after `status` completed. */
export const ServerResult = z
  .object({ type: z.literal('result'), seq: z.number().int() })
  .extend(PredictionScore.shape);
export const ServerPong = z.object({ type: z.literal('pong'), id: z.string().optional() });

export const ServerMessage = z.union([
  ServerSnapshot,
  ServerAck,
  ServerUpdate,
  ServerStatus,
  ServerPlayed,
  ServerUnplayed,
  ServerResult,
  ServerPong,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type ServerSnapshot = z.infer<typeof ServerSnapshot>;
export type ServerUpdate = z.infer<typeof ServerUpdate>;
export type ServerStatus = z.infer<typeof ServerStatus>;
export type ServerPlayed = z.infer<typeof ServerPlayed>;
export type ServerUnplayed = z.infer<typeof ServerUnplayed>;
export type ServerResult = z.infer<typeof ServerResult>;

/** Error codes the room returns, over WebSocket acks and mapped to HTTP statuses by the api worker. */
export const roomErrorStatus = {
  invalid_message: 400,
  message_too_large: 413,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  song_not_found: 404,
  setlist_song_not_found: 404,
  already_voted: 409,
  already_added: 409,
  vote_id_conflict: 409,
  not_voted: 404,
  wrong_artist: 422,
  voting_closed: 409,
  rate_limited: 429,
  /** A fan-out shard could not reach the show's room: send the same message again (votes are idempotent). */
  unavailable: 503,
} as const;
export type RoomErrorCode = keyof typeof roomErrorStatus;
