import { describe, expect, it } from 'vitest';
import { settleWithin } from './settle-within';

describe('settleWithin', () => {
  it('passes a value or an error through when the promise settles in time', async () => {
    await expect(settleWithin(Promise.resolve(7), 1000, 'send')).resolves.toBe(7);
    await expect(settleWithin(Promise.reject(new Error('queue refused')), 1000, 'send')).rejects.toThrow(
      'queue refused',
    );
  });

  it('rejects a promise that never settles once the time is up', async () => {
    const started = Date.now();
    await expect(settleWithin(new Promise<never>(() => {}), 30, 'sendBatch')).rejects.toThrow(
      'sendBatch did not settle within 30 ms',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});
