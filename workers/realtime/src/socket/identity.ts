/**
 * Who a live socket belongs to, the same way for the room's own sockets and a fan-out shard's: read from the
 * headers the api worker set when it upgraded the request, kept in the socket's attachment (so it survives
 * hibernation), and taken away when the session is revoked.
 */
import { ROOM_HEADERS, type RoomActor, type SocketRevocation } from '#shared/room-rpc';
import { UserRole } from '#shared/schemas/auth';

export interface SocketIdentity {
  userId: string | null;
  role: UserRole | null;
  /** The connection's network id from the api worker (anomaly rules); absent on sockets from before it existed. */
  networkId?: string | null;
  /** The session that authenticated the socket (revocation); absent on sockets from before it existed. */
  sessionId?: string | null;
}

/** 426 unless the request asks for a WebSocket. */
export function upgradeRequired(request: Request): Response | undefined {
  if (request.headers.get('Upgrade')?.toLowerCase() === 'websocket') return undefined;
  return Response.json(
    { error: { code: 'upgrade_required', message: 'Expected a WebSocket upgrade.' } },
    { status: 426 },
  );
}

export function identityOf(request: Request): SocketIdentity {
  const role = UserRole.safeParse(request.headers.get(ROOM_HEADERS.role));
  return {
    userId: request.headers.get(ROOM_HEADERS.userId),
    role: role.success ? role.data : null,
    networkId: request.headers.get(ROOM_HEADERS.networkId),
    sessionId: request.headers.get(ROOM_HEADERS.sessionId),
  };
}

/** The actor a socket's messages are decided as, or undefined for an anonymous (watch-only) socket. */
export function actorOf(identity: SocketIdentity): RoomActor | undefined {
  if (!identity.userId || !identity.role) return undefined;
  return {
    userId: identity.userId,
    role: identity.role,
    ...(identity.networkId ? { networkId: identity.networkId } : {}),
  };
}

/**
 * Closes the user's sockets among `sockets`: all of them, or with `sessionIds` only those sessions' (a socket from
 * before sessions were recorded matches any of the user's sessions). Returns how many it revoked.
 */
export function closeRevokedSockets(
  sockets: WebSocket[],
  { userId, sessionIds }: SocketRevocation,
  code: number,
  reason: string,
): number {
  const sessions = sessionIds ? new Set(sessionIds) : undefined;
  let closed = 0;
  for (const ws of sockets) {
    const attachment = ws.deserializeAttachment() as SocketIdentity | null;
    if (attachment?.userId !== userId) continue;
    if (sessions && attachment.sessionId && !sessions.has(attachment.sessionId)) continue;
    // Downgrade first: a message already queued behind this call must not be decided as the user's.
    ws.serializeAttachment({ ...attachment, userId: null, role: null, sessionId: null });
    try {
      ws.close(code, reason);
    } catch {
      // already closing
    }
    closed++;
  }
  return closed;
}
