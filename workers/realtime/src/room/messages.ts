import type { RoomResult } from '#shared/room-rpc';
import type { RoomErrorCode, ServerMessage } from '#shared/schemas/room';

export const ok = <T>(value: T): RoomResult<T> => ({ ok: true, value });
export const fail = <T = never>(code: RoomErrorCode, message: string): RoomResult<T> => ({
  ok: false,
  error: { code, message },
});

export function send(ws: WebSocket, message: ServerMessage): void {
  try {
    ws.send(JSON.stringify(message));
  } catch {
    // The socket closed between the decision and the reply: the state is already durable, and the
    // client gets it in the snapshot when it reconnects.
  }
}

export function ackError(ws: WebSocket, ref: string | null, code: RoomErrorCode, message: string): void {
  send(ws, { type: 'ack', ref, ok: false, error: { code, message } });
}

/** The ack of a message the room decided: its result, or the room's refusal (`extra`: e.g. the vote's trace id). */
export function ackResult(
  ws: WebSocket,
  ref: string,
  result: RoomResult<unknown>,
  extra: { traceId?: string } = {},
): void {
  if (result.ok) send(ws, { type: 'ack', ref, ok: true, result: result.value as Record<string, unknown>, ...extra });
  else ackError(ws, ref, result.error.code as RoomErrorCode, result.error.message);
}

/** The client's message id, when one can be read, so that even a rejected message is answered by ref. */
export function refOf(parsed: unknown): string | null {
  if (parsed && typeof parsed === 'object' && 'id' in parsed) {
    const id = (parsed as { id: unknown }).id;
    if (typeof id === 'string' && id.length <= 64) return id;
  }
  return null;
}
