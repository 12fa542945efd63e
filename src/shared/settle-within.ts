/**
 * The promise's outcome, or a rejection once `ms` have passed without one; the late outcome is ignored. For
 * what takes no AbortSignal: the room's queue sends (one that never settled would hold its outbox drain
 * forever; its events stay in the outbox and go again), and the Node tools' waits on sockets and inspectors.
 * Types hold under both workerd's and Node's timers.
 */
export async function settleWithin<T>(promise: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
