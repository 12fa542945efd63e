/**
 * What the circuit breakers (the api worker's database breaker, the ingestion providers' breakers) share
 * about cockatiel:
 * - It is loaded lazily, inside a request or queue batch: its module body creates and aborts an
 *   AbortController, which workerd forbids in a Worker's global scope (found in
 *   workers/api/src/resilience/database-breaker.ts).
 * - Its enum and error classes are therefore read without importing them.
 */
import type { CircuitBreakerPolicy } from 'cockatiel';

export type Cockatiel = typeof import('cockatiel');
export type CircuitStatus = 'closed' | 'open' | 'half-open';

let cockatiel: Promise<Cockatiel> | undefined;
export const loadCockatiel = (): Promise<Cockatiel> => (cockatiel ??= import('cockatiel'));

/** cockatiel's CircuitState values (Closed 0, Open 1, HalfOpen 2, Isolated 3); a breaker not built yet is closed. */
export function circuitStatus(breaker: CircuitBreakerPolicy | undefined): CircuitStatus {
  switch (breaker?.state as number | undefined) {
    case undefined:
    case 0:
      return 'closed';
    case 2:
      return 'half-open';
    default:
      return 'open';
  }
}

/** A cockatiel error, recognised by the flag each carries (`isBrokenCircuitError`, …). */
export function isCockatielError(err: unknown, name: 'TaskCancelledError' | 'BrokenCircuitError'): boolean {
  return typeof err === 'object' && err !== null && (err as Record<string, unknown>)[`is${name}`] === true;
}
