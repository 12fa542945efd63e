/**
 * The promise's outcome, or a rejection once `ms` have passed without one. The room's queue sends take no
 * AbortSignal, so a send that never settles would otherwise hold the outbox drain (and the alarm that
 * starts it) forever; the late outcome is ignored, and the events it carried stay in the outbox to go again.
 */
export async function settleWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
