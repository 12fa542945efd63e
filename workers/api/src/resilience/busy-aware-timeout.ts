/**
 * A timeout for a database round trip that counts only the time the isolate was free to notice the answer.
 * An isolate runs one thing at a time: while it hashes a password (or renders a big page) an answer that has
 * already arrived waits in line, and a wall-clock timeout would blame the database for the isolate's own CPU.
 * So the wait is measured in short ticks, and a tick that fires late (the thread was busy) counts only its
 * planned length: the round trip fails after `timeoutMs` of waiting the isolate could have ended.
 */
export class DatabaseTimeoutError extends Error {
  override readonly name = 'DatabaseTimeoutError';

  constructor(readonly timeoutMs: number) {
    super(`The database did not answer within ${timeoutMs} ms.`);
  }
}

export const TICK_MS = 50;

export function busyAwareTimeout<T>(roundTrip: Promise<T>, timeoutMs: number, tickMs = TICK_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let waited = 0;
    let last = Date.now();
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      const now = Date.now();
      waited += Math.min(now - last, tickMs);
      last = now;
      if (waited >= timeoutMs) reject(new DatabaseTimeoutError(timeoutMs));
      else timer = setTimeout(tick, Math.min(tickMs, timeoutMs - waited));
    };
    timer = setTimeout(tick, Math.min(tickMs, timeoutMs));
    roundTrip.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
