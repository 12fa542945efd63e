/**
 * Password hashing is the one expensive thing a request can ask for: a 100,000-iteration PBKDF2 runs on the
 * isolate's single thread, and while it runs nothing else of that isolate does (database answers wait in
 * line). So each isolate runs at most `PASSWORD_HASH_CONCURRENCY` hashes at a time, keeps at most
 * `PASSWORD_HASH_QUEUE` waiting, and answers the rest at once with 429 `too_busy` and Retry-After: a burst of
 * sign-ups or log-ins is slowed and shed, and every other request still gets its turn on the thread between
 * two hashes.
 */
import { positiveIntVar } from '#shared/env-vars';
import { ApiError } from '#shared/errors';

export interface PasswordWorkEnv {
  PASSWORD_HASH_CONCURRENCY?: string;
  PASSWORD_HASH_QUEUE?: string;
}

export const DEFAULT_CONCURRENCY = 2;
export const DEFAULT_QUEUE = 16;

export class PasswordWork {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly queue: number,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running < this.concurrency) this.#running++;
    else if (this.#waiting.length < this.queue) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else throw tooBusy(this.#waiting.length / this.concurrency);
    try {
      return await work();
    } finally {
      // The slot passes straight to the next in line, if any.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}

/** Each hash takes ~50-100 ms, so a full line clears in about a second per `concurrency` × 10 waiting. */
function tooBusy(hashesAheadPerSlot: number): ApiError {
  const seconds = Math.max(1, Math.ceil(hashesAheadPerSlot / 10));
  return new ApiError(
    429,
    'too_busy',
    `Too many sign-ins and sign-ups at this moment. Retry after ${seconds} s.`,
    undefined,
    { 'Retry-After': String(seconds) },
  );
}

let isolateWork: PasswordWork | undefined;

/** This isolate's password work line (module state: shared by every request the isolate serves). */
export function passwordWork(env: PasswordWorkEnv): PasswordWork {
  const concurrency = positiveIntVar(env.PASSWORD_HASH_CONCURRENCY, DEFAULT_CONCURRENCY);
  const queue = positiveIntVar(env.PASSWORD_HASH_QUEUE, DEFAULT_QUEUE);
  if (!isolateWork || isolateWork.concurrency !== concurrency || isolateWork.queue !== queue)
    isolateWork = new PasswordWork(concurrency, queue);
  return isolateWork;
}
