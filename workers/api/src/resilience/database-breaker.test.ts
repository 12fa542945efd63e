import { BrokenCircuitError, TaskCancelledError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { isConnectivityError } from '#shared/db/errors';
import {
  breakerOptions,
  DatabaseBreaker,
  DatabaseUnavailableError,
  findDatabaseUnavailable,
  isDatabaseOutage,
} from './database-breaker';

/** A driver error with a SQLSTATE, as node-postgres' DatabaseError carries it. */
const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });
/** Drizzle's DrizzleQueryError wraps the driver's error in `cause`. */
const wrapped = (cause: unknown) => Object.assign(new Error('Failed query: select 1'), { cause });
/** How the Neon driver reports a refused WebSocket: an ErrorEvent, no SQLSTATE, not even an Error. */
const refusedSocket = () => ({
  type: 'error',
  message: 'Failed to establish the WebSocket connection: … received 503 instead.',
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('failure classification', () => {
  it.each([
    ['08006 connection failure', pgError('08006')],
    ['08001 cannot establish connection', pgError('08001')],
    ['57P01 admin shutdown', pgError('57P01')],
    ['57P03 cannot connect now', pgError('57P03')],
    ['53300 too many connections', pgError('53300')],
    ['53200 out of memory', pgError('53200')],
    ['a wrapped 08006', wrapped(pgError('08006'))],
    ['a refused WebSocket (no SQLSTATE)', refusedSocket()],
    ['a wrapped refused WebSocket', wrapped(refusedSocket())],
    ['a network TypeError', new TypeError('Network connection lost.')],
  ])('counts %s as an outage', (_, err) => {
    expect(isConnectivityError(err)).toBe(true);
    expect(isDatabaseOutage(err)).toBe(true);
  });

  it.each([
    ['23505 unique violation', pgError('23505')],
    ['a wrapped unique violation', wrapped(pgError('23505'))],
    ['23503 foreign key violation', pgError('23503')],
    ['22012 division by zero', pgError('22012')],
    ['42601 syntax error', pgError('42601')],
    ['55P03 lock not available', pgError('55P03')],
    ['57014 query canceled (a statement timeout: the database answered)', pgError('57014')],
    ['a RangeError (a bad parameter)', new RangeError('Invalid time value')],
  ])('does not count %s', (_, err) => {
    expect(isConnectivityError(err)).toBe(false);
    expect(isDatabaseOutage(err)).toBe(false);
  });

  it('counts a timeout, not a refusal of the breaker itself', () => {
    expect(isDatabaseOutage(new TaskCancelledError('Operation timed out after 3000ms'))).toBe(true);
    expect(isDatabaseOutage(new BrokenCircuitError())).toBe(false);
  });

  it('finds the DatabaseUnavailableError behind wrappers', () => {
    const unavailable = new DatabaseUnavailableError('connection', 3, 'closed');
    expect(findDatabaseUnavailable(wrapped(unavailable))).toBe(unavailable);
    expect(findDatabaseUnavailable(wrapped(pgError('08006')))).toBeUndefined();
    expect(unavailable.toApiError()).toMatchObject({
      status: 503,
      code: 'database_unavailable',
      headers: { 'Retry-After': '3' },
    });
  });
});

describe('DatabaseBreaker', () => {
  const breaker = (overrides: Partial<{ threshold: number; cooldownMs: number; timeoutMs: number }> = {}) =>
    new DatabaseBreaker({ threshold: 3, cooldownMs: 300, timeoutMs: 1000, ...overrides });
  const fail = (b: DatabaseBreaker, err: unknown = refusedSocket()) =>
    b.run(() => Promise.reject(err)).catch((e: unknown) => e);

  it('reads its options from the env, with defaults', () => {
    expect(breakerOptions({})).toMatchObject({ threshold: 5, cooldownMs: 10_000, timeoutMs: 3000 });
    expect(breakerOptions({ DB_BREAKER_COOLDOWN_SECONDS: '2', DB_TIMEOUT_MS: '500' })).toMatchObject({
      cooldownMs: 2000,
      timeoutMs: 500,
    });
    expect(breakerOptions({ DB_BREAKER_COOLDOWN_SECONDS: 'x', DB_TIMEOUT_MS: '-1' })).toMatchObject({
      cooldownMs: 10_000,
      timeoutMs: 3000,
    });
  });

  it('turns an outage into DatabaseUnavailableError and passes statement errors through untouched', async () => {
    const b = breaker();
    const outage = await fail(b);
    expect(outage).toBeInstanceOf(DatabaseUnavailableError);
    expect(outage).toMatchObject({ reason: 'connection', circuit: 'closed' });
    const unique = pgError('23505');
    expect(await fail(b, unique)).toBe(unique);
    expect(await b.run(async () => 42)).toBe(42);
  });

  it('opens after `threshold` outages in a row, then refuses at once without calling the database', async () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) await fail(b);
    expect(b.state).toBe('open');
    let called = false;
    const refused = await b
      .run(async () => {
        called = true;
      })
      .catch((e: unknown) => e);
    expect(called).toBe(false);
    expect(refused).toMatchObject({ reason: 'circuit_open', circuit: 'open', retryAfterSeconds: 1 });
    expect(b.refusal()).toBeInstanceOf(DatabaseUnavailableError);
  });

  it('is not opened by unique violations or other statement errors', async () => {
    const b = breaker();
    for (let i = 0; i < 10; i++) await fail(b, pgError(i % 2 ? '23505' : '22012'));
    expect(b.state).toBe('closed');
    expect(b.refusal()).toBeUndefined();
  });

  it('counts a round trip that outlives the timeout as an outage', async () => {
    const b = breaker({ threshold: 1, timeoutMs: 50 });
    const started = Date.now();
    const err = await b.run(() => new Promise<never>(() => {})).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err).toMatchObject({ reason: 'timeout' });
    expect(b.state).toBe('open');
  });

  it('Retry-After counts down the cooldown', async () => {
    const b = breaker({ threshold: 1, cooldownMs: 5000 });
    await fail(b);
    expect(b.retryAfterSeconds()).toBe(5);
    expect(b.refusal()).toMatchObject({ retryAfterSeconds: 5 });
  });

  it('closes on its own: after the cooldown one trial goes through (others are refused meanwhile), and its success closes the circuit', async () => {
    const b = breaker({ threshold: 1, cooldownMs: 100 });
    await fail(b);
    expect(b.refusal()).toBeDefined();
    await sleep(150);
    expect(b.refusal()).toBeUndefined(); // the next call is the trial
    let finishTrial!: () => void;
    const trial = b.run(() => new Promise<string>((resolve) => (finishTrial = () => resolve('ok'))));
    expect(b.state).toBe('half-open');
    // Not queued behind the trial: refused at once.
    expect(await fail(b)).toMatchObject({ reason: 'circuit_open', circuit: 'half-open' });
    finishTrial();
    expect(await trial).toBe('ok');
    expect(b.state).toBe('closed');
    expect(await b.run(async () => 'again')).toBe('again');
  });

  it('opens again for another cooldown when the trial fails', async () => {
    const b = breaker({ threshold: 1, cooldownMs: 100 });
    await fail(b);
    await sleep(150);
    expect(await fail(b)).toMatchObject({ reason: 'connection' });
    expect(b.state).toBe('open');
    expect(b.refusal()).toBeDefined();
  });
});
