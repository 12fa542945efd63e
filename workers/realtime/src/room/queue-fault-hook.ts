/**
 * A fault drill's hook into the room's outbox sends (npm run drill:faults): asks the local database relay whether
 * this send should be refused or hang. Off unless ROOM_FAULT_HOOKS is "relay" AND the worker reaches Postgres
 * through the local relay (DB_RELAY): in production DB_RELAY is empty (the workers talk to Neon directly), so the
 * hook cannot be turned on there, whatever the vars say.
 */
export type QueueFault = 'refuse' | 'hang';

export function queueFaultHookEnabled(env: { ROOM_FAULT_HOOKS?: string; DB_RELAY?: string }): boolean {
  return env.ROOM_FAULT_HOOKS === 'relay' && !!env.DB_RELAY;
}

export async function injectedQueueFault(env: {
  ROOM_FAULT_HOOKS?: string;
  DB_RELAY?: string;
}): Promise<QueueFault | undefined> {
  if (!queueFaultHookEnabled(env)) return undefined;
  try {
    const res = await fetch(`http://${env.DB_RELAY}/__relay/queue-send`, { method: 'POST' });
    const body = (await res.json()) as { fault?: QueueFault | null };
    return body.fault ?? undefined;
  } catch {
    return undefined;
  }
}

/** The send as the drill wants it: refused at once, never answering, or the real one. */
export function withInjectedFault<T>(fault: QueueFault | undefined, send: () => Promise<T>): Promise<T> {
  if (fault === 'refuse') return Promise.reject(new Error('fault drill: queue send refused'));
  if (fault === 'hang') return new Promise<T>(() => {});
  return send();
}
