/**
 * A first-in-first-out mutual-exclusion lock.
 *
 * PGlite is one single-session Postgres backend. The relay serialises whole units of work (a simple query,
 * an extended-protocol Sync cycle, or a BEGIN..COMMIT transaction) from different clients through this lock;
 * FIFO order keeps it fair, so a chatty connection cannot starve the others.
 */
export class LockTimeoutError extends Error {}

interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout | undefined;
}

export class FifoLock {
  #held = false;
  readonly #waiters: Waiter[] = [];

  get waiting(): number {
    return this.#waiters.length;
  }

  get held(): boolean {
    return this.#held;
  }

  /**
   * Resolves with an idempotent release function once the caller owns the lock.
   * With `timeoutMs`, rejects with LockTimeoutError if the lock was not granted in time (the waiter is
   * removed from the queue, so a timed-out caller never owns the lock).
   */
  acquire(timeoutMs?: number): Promise<() => void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve(this.#releaser());
    }
    return new Promise<() => void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          if (waiter.timer) clearTimeout(waiter.timer);
          resolve(this.#releaser());
        },
        timer: undefined,
      };
      if (timeoutMs !== undefined && timeoutMs > 0) {
        waiter.timer = setTimeout(() => {
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(new LockTimeoutError(`timed out after ${timeoutMs} ms waiting for the database lock`));
        }, timeoutMs);
      }
      this.#waiters.push(waiter);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) {
        // Ownership passes directly to the next waiter; #held stays true.
        next.grant();
      } else {
        this.#held = false;
      }
    };
  }
}
