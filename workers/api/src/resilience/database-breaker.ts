/**
 * Circuit breaker and timeout around Postgres (cockatiel), applied to every round trip of the api worker's
 * database (its WebSocket pool and its SQL-over-HTTP reads) through `openDatabase(env, onError, { guard })`.
 *
 * - A round trip that takes longer than `DB_TIMEOUT_MS` (default 3000) fails with a timeout; time the isolate spent
 *   on its own CPU work (password hashing) while the answer waited does not count (busy-aware-timeout.ts).
 * - `BREAKER_THRESHOLD` outages in a row (connectivity errors or timeouts, see `isDatabaseOutage`) open
 *   the circuit: from then on every round trip fails at once, without a connection attempt.
 * - After `DB_BREAKER_COOLDOWN_SECONDS` (default 10) one trial round trip is let through (half-open); its
 *   success closes the circuit, its failure opens it for another cooldown. While the trial runs, other
 *   calls are refused rather than queued behind it.
 *
 * One breaker per isolate (module state), so the state carries over from request to request; each isolate
 * learns about an outage on its own, after `BREAKER_THRESHOLD` failures.
 *
 * cockatiel is loaded on first use, inside a request: its module body creates and aborts an AbortController,
 * which workerd forbids in a Worker's global scope (the deploy and `wrangler dev` refuse the script).
 */
import type { CircuitBreakerPolicy, IPolicy } from 'cockatiel';
import { type CircuitStatus, type Cockatiel, circuitStatus, isCockatielError, loadCockatiel } from '#shared/circuit';
import type { DatabaseGuard } from '#shared/db/client';
import { isConnectivityError } from '#shared/db/errors';
import { positiveVar } from '#shared/env-vars';
import { ApiError } from '#shared/errors';
import { createLogger, type Logger, parseLogLevel } from '#shared/log';
import { busyAwareTimeout, DatabaseTimeoutError } from './busy-aware-timeout';

export const BREAKER_THRESHOLD = 5;
export const DEFAULT_COOLDOWN_SECONDS = 10;
export const DEFAULT_TIMEOUT_MS = 3000;

export type { CircuitStatus };
export type UnavailableReason = 'circuit_open' | 'timeout' | 'connection';

/** Thrown by the guard instead of the driver's error when the database cannot be used; rendered as 503. */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';

  constructor(
    readonly reason: UnavailableReason,
    /** Whole seconds until the breaker lets a trial call through (at least 1): the Retry-After value. */
    readonly retryAfterSeconds: number,
    readonly circuit: CircuitStatus,
    options?: { cause?: unknown },
  ) {
    super(`Database unavailable (${reason}); retry after ${retryAfterSeconds} s.`, options);
  }

  toApiError(): ApiError {
    return new ApiError(
      503,
      'database_unavailable',
      `The database is unavailable right now. Retry after ${this.retryAfterSeconds} s.`,
      { reason: this.reason, circuit: this.circuit },
      { 'Retry-After': String(this.retryAfterSeconds) },
    );
  }
}

/** The `DatabaseUnavailableError` behind `err` (drizzle wraps driver errors in `cause`), if any. */
export function findDatabaseUnavailable(err: unknown): DatabaseUnavailableError | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DatabaseUnavailableError) return e;
  }
  return undefined;
}

/**
 * What counts against the breaker: timeouts and connectivity errors (SQLSTATE 08, 57P, 53, or no SQLSTATE:
 * a refused or dropped connection). A unique violation or any other statement error does not: the
 * database answered.
 */
export function isDatabaseOutage(err: unknown): boolean {
  if (
    isCockatielError(err, 'TaskCancelledError') ||
    err instanceof DatabaseTimeoutError ||
    err instanceof DatabaseUnavailableError
  )
    return true;
  if (isCockatielError(err, 'BrokenCircuitError')) return false;
  return isConnectivityError(err);
}

export interface DatabaseBreakerOptions {
  /** Outages in a row that open the circuit. */
  threshold: number;
  /** How long the circuit stays open before a trial call is let through. */
  cooldownMs: number;
  /** The longest a round trip may take. */
  timeoutMs: number;
  log?: Logger;
}

export class DatabaseBreaker implements DatabaseGuard {
  /** Built on the first round trip (see the module comment); until then the circuit is closed. */
  #breaker: CircuitBreakerPolicy | undefined;
  #policy: IPolicy | undefined;
  #ready: Promise<void> | undefined;
  #openedAt = 0;
  #trialStartedAt = 0;

  constructor(readonly options: DatabaseBreakerOptions) {}

  #build(c: Cockatiel): void {
    const { options } = this;
    const breaker = c.circuitBreaker(c.handleWhen(isDatabaseOutage), {
      halfOpenAfter: options.cooldownMs,
      breaker: new c.ConsecutiveBreaker(options.threshold),
    });
    breaker.onBreak(() => {
      this.#openedAt = Date.now();
      options.log?.warn('database circuit opened', { cooldownMs: options.cooldownMs });
    });
    breaker.onHalfOpen(() => {
      this.#trialStartedAt = Date.now();
      options.log?.info('database circuit half-open: trial call');
    });
    breaker.onReset(() => options.log?.info('database circuit closed'));
    // The timeout (busy-aware, inside the breaker's call: see run) is a failure the breaker counts.
    this.#policy = breaker;
    this.#breaker = breaker;
  }

  get state(): CircuitStatus {
    this.#recoverLostTrial();
    return circuitStatus(this.#breaker);
  }

  /**
   * The error a call made now would get without touching the database: while the circuit is open and
   * cooling down, and while another call is the half-open trial. Undefined when a call may go ahead
   * (closed, or open with the cooldown over: that call becomes the trial).
   */
  refusal(): DatabaseUnavailableError | undefined {
    const state = this.state;
    if (state === 'closed') return undefined;
    if (state === 'open' && Date.now() - this.#openedAt >= this.options.cooldownMs) return undefined;
    return this.#unavailable('circuit_open');
  }

  /** Whole seconds until a trial call is let through, at least 1. */
  retryAfterSeconds(): number {
    if (circuitStatus(this.#breaker) !== 'open') return 1;
    return Math.max(1, Math.ceil((this.#openedAt + this.options.cooldownMs - Date.now()) / 1000));
  }

  async run<T>(roundTrip: () => Promise<T>): Promise<T> {
    const refused = this.refusal();
    if (refused) throw refused;
    if (!this.#policy) await (this.#ready ??= loadCockatiel().then((c) => this.#build(c)));
    try {
      // A signal of this call's own: cockatiel's default is one module-level AbortSignal, and workerd binds
      // an AbortSignal to the request that created it ("Cannot perform I/O on behalf of a different
      // request") when the module is first evaluated inside a request, as under vitest or a lazy import.
      // The timeout counts only time this isolate was free to see the answer, not its own CPU work (a
      // burst of password hashes): that is load on the isolate, not an outage of the database.
      return await this.#policy!.execute(
        () => busyAwareTimeout(roundTrip(), this.options.timeoutMs),
        new AbortController().signal,
      );
    } catch (err) {
      if (isCockatielError(err, 'BrokenCircuitError')) throw this.#unavailable('circuit_open', err);
      if (isCockatielError(err, 'TaskCancelledError') || err instanceof DatabaseTimeoutError)
        throw this.#unavailable('timeout', err);
      if (isDatabaseOutage(err)) throw this.#unavailable('connection', err);
      throw err;
    }
  }

  #unavailable(reason: UnavailableReason, cause?: unknown): DatabaseUnavailableError {
    return new DatabaseUnavailableError(
      reason,
      this.retryAfterSeconds(),
      this.state,
      cause === undefined ? undefined : { cause },
    );
  }

  /**
   * A trial whose request was cancelled never settles, which would leave the circuit half-open (refusing
   * everything) for the life of the isolate. The timeout bounds a live trial, so one older than timeout
   * plus cooldown is lost: close the circuit (cockatiel's isolate/dispose does that) and let calls decide
   * again; if the database is still down, the next failures open it again.
   */
  #recoverLostTrial(): void {
    if (!this.#breaker || circuitStatus(this.#breaker) !== 'half-open') return;
    if (Date.now() - this.#trialStartedAt <= this.options.timeoutMs + this.options.cooldownMs) return;
    this.options.log?.warn('database circuit: half-open trial lost, closing');
    this.#breaker.isolate().dispose();
  }
}

export interface BreakerEnv {
  DB_BREAKER_COOLDOWN_SECONDS?: string;
  DB_TIMEOUT_MS?: string;
  LOG_LEVEL?: string;
}

export function breakerOptions(env: BreakerEnv): DatabaseBreakerOptions {
  return {
    threshold: BREAKER_THRESHOLD,
    cooldownMs: positiveVar(env.DB_BREAKER_COOLDOWN_SECONDS, DEFAULT_COOLDOWN_SECONDS) * 1000,
    timeoutMs: positiveVar(env.DB_TIMEOUT_MS, DEFAULT_TIMEOUT_MS),
  };
}

let isolateBreaker: DatabaseBreaker | undefined;

/** This isolate's breaker (created on first use, from the first request's env). */
export function databaseBreaker(env: BreakerEnv): DatabaseBreaker {
  const options = breakerOptions(env);
  const current = isolateBreaker?.options;
  if (!isolateBreaker || current!.cooldownMs !== options.cooldownMs || current!.timeoutMs !== options.timeoutMs) {
    const log = createLogger(
      { service: 'api', component: 'database-breaker' },
      { level: parseLogLevel(env.LOG_LEVEL) },
    );
    isolateBreaker = new DatabaseBreaker({ ...options, log });
  }
  return isolateBreaker;
}
