import { ClientMessage, type ClientMessage as ClientMessageType } from '#shared/schemas/room';
import { ackError, refOf } from '../room/messages';
import type { SocketRateLimiter } from '../room/socket-rate-limiter';

/** Larger client messages are refused: no legitimate message is more than a few hundred bytes. */
export const MAX_CLIENT_MESSAGE_BYTES = 4096;
/**
 * What a `resume` costs of the socket's rate limit, in messages: it can make the server send up to
 * RESUME_REPLAY_MAX messages or a whole snapshot, so a socket cannot ask for that 20 times a second.
 */
export const RESUME_COST = 5;
/** A `resume` further behind than this many messages gets a snapshot instead of the replay. */
export const RESUME_REPLAY_MAX = 100;

const encoder = new TextEncoder();

/** UTF-8 bytes of a string, counted only when its UTF-16 length cannot already decide (≤ 3 bytes per unit). */
export function exceedsBytes(raw: string, max: number): boolean {
  if (raw.length > max) return true;
  if (raw.length * 3 <= max) return false;
  return encoder.encode(raw).byteLength > max;
}

/** The message's `id` without parsing it (a rate-limited message is never parsed), for the error ack's `ref`. */
const ID_PATTERN = /"id"\s*:\s*"([^"\\]{1,64})"/;
function refBeforeParse(raw: string): string | null {
  return ID_PATTERN.exec(raw)?.[1] ?? null;
}

/**
 * Reads one client frame, for the room and the fan-out shards alike: the size (in UTF-8 bytes), then the
 * socket's rate limit, and only then `JSON.parse` and the schema, so a flooding socket costs a counter per
 * frame, never a parse. Answers a refused frame with its error ack itself and returns undefined.
 */
export function readClientFrame(
  ws: WebSocket,
  raw: string | ArrayBuffer,
  limiter: SocketRateLimiter,
): ClientMessageType | undefined {
  if (typeof raw !== 'string') {
    ackError(ws, null, 'invalid_message', 'Send JSON text frames.');
    return undefined;
  }
  if (exceedsBytes(raw, MAX_CLIENT_MESSAGE_BYTES)) {
    ackError(ws, null, 'message_too_large', `Messages are limited to ${MAX_CLIENT_MESSAGE_BYTES} bytes.`);
    return undefined;
  }
  if (!limiter.take(ws)) {
    ackError(ws, refBeforeParse(raw), 'rate_limited', 'Too many messages; slow down.');
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    ackError(ws, null, 'invalid_message', 'The message is not valid JSON.');
    return undefined;
  }
  const parsed = ClientMessage.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    ackError(
      ws,
      refOf(json),
      'invalid_message',
      issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'Unknown message.',
    );
    return undefined;
  }
  // A resume may send many messages: it costs more of the budget (the first unit was taken above).
  if (parsed.data.type === 'resume' && !limiter.take(ws, Date.now(), RESUME_COST - 1)) {
    ackError(ws, null, 'rate_limited', 'Too many resumes; slow down.');
    return undefined;
  }
  return parsed.data;
}
