/**
 * One circuit breaker per provider (cockatiel), per isolate. Five failed calls in a row (network errors,
 * or 5xx/429 answers left after the retries) open it; while open, calls fail at once without touching the
 * provider, and the import step is retried later by the queue. After the cooldown one trial call is let
 * through: its success closes the circuit.
 *
 * cockatiel is imported lazily (src/shared/circuit.ts).
 */
import type { CircuitBreakerPolicy } from 'cockatiel';
import { type CircuitStatus, type Cockatiel, circuitStatus, isCockatielError, loadCockatiel } from '#shared/circuit';
import type { Provider } from './rate-limit';

export const PROVIDER_BREAKER_THRESHOLD = 5;
export const DEFAULT_PROVIDER_COOLDOWN_MS = 60_000;

/** Thrown instead of calling a provider whose circuit is open. */
export class ProviderCircuitOpenError extends Error {
  override readonly name = 'ProviderCircuitOpenError';
  constructor(
    readonly provider: Provider,
    readonly retryAfterSeconds: number,
  ) {
    super(`${provider} is failing; its circuit breaker is open for another ${retryAfterSeconds} s.`);
  }
}

export interface ProviderBreaker {
  readonly state: CircuitStatus;
  /** Runs one logical call (with its retries). `isOutage` decides what counts against the breaker. */
  run<T>(call: () => Promise<T>, isOutage: (err: unknown) => boolean): Promise<T>;
}

export class CockatielProviderBreaker implements ProviderBreaker {
  #breaker: CircuitBreakerPolicy | undefined;
  #ready: Promise<void> | undefined;
  #openedAt = 0;
  /** Set per call: cockatiel's handleWhen is fixed at construction, the classifier comes with each call. */
  #isOutage: (err: unknown) => boolean = () => true;

  constructor(
    readonly provider: Provider,
    readonly cooldownMs: number = DEFAULT_PROVIDER_COOLDOWN_MS,
    readonly threshold: number = PROVIDER_BREAKER_THRESHOLD,
  ) {}

  get state(): CircuitStatus {
    return circuitStatus(this.#breaker);
  }

  async run<T>(call: () => Promise<T>, isOutage: (err: unknown) => boolean): Promise<T> {
    if (!this.#breaker) await (this.#ready ??= loadCockatiel().then((c) => this.#build(c)));
    this.#isOutage = isOutage;
    try {
      // A signal of this call's own: a module-level AbortSignal would be bound to the first request in workerd.
      return await this.#breaker!.execute(() => call(), new AbortController().signal);
    } catch (err) {
      if (isCockatielError(err, 'BrokenCircuitError')) {
        const left = Math.max(1, Math.ceil((this.#openedAt + this.cooldownMs - Date.now()) / 1000));
        throw new ProviderCircuitOpenError(this.provider, left);
      }
      throw err;
    }
  }

  #build(c: Cockatiel): void {
    const breaker = c.circuitBreaker(
      c.handleWhen((err) => this.#isOutage(err)),
      { halfOpenAfter: this.cooldownMs, breaker: new c.ConsecutiveBreaker(this.threshold) },
    );
    breaker.onBreak(() => {
      this.#openedAt = Date.now();
    });
    this.#breaker = breaker;
  }
}

const isolateBreakers = new Map<string, CockatielProviderBreaker>();

/** This isolate's breaker for `provider`, so that the state carries over from batch to batch. */
export function providerBreaker(
  provider: Provider,
  cooldownMs = DEFAULT_PROVIDER_COOLDOWN_MS,
): CockatielProviderBreaker {
  const key = `${provider}:${cooldownMs}`;
  let breaker = isolateBreakers.get(key);
  if (!breaker) isolateBreakers.set(key, (breaker = new CockatielProviderBreaker(provider, cooldownMs)));
  return breaker;
}
