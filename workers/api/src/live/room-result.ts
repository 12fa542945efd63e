import { ApiError } from '#shared/errors';
import type { RoomResult } from '#shared/room-rpc';
import { type RoomErrorCode, roomErrorStatus } from '#shared/schemas/room';

/** Unwraps a room's answer, turning its error codes into the HTTP statuses documented in the protocol. */
export function unwrapRoom<T>(result: RoomResult<T>): T {
  if (result.ok) return result.value;
  const status = roomErrorStatus[result.error.code as RoomErrorCode] ?? 400;
  throw new ApiError(status, result.error.code, result.error.message);
}
