import { describe, expect, it } from 'vitest';
import { queueFaultHookEnabled } from './queue-fault-hook';

describe('the fault drill hook', () => {
  it('is off by default, and cannot be turned on without the local relay (as in production)', () => {
    expect(queueFaultHookEnabled({})).toBe(false);
    expect(queueFaultHookEnabled({ ROOM_FAULT_HOOKS: '', DB_RELAY: '127.0.0.1:1' })).toBe(false);
    expect(queueFaultHookEnabled({ ROOM_FAULT_HOOKS: 'relay', DB_RELAY: '' })).toBe(false);
    expect(queueFaultHookEnabled({ ROOM_FAULT_HOOKS: 'relay', DB_RELAY: '127.0.0.1:1' })).toBe(true);
  });
});
