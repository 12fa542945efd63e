import { describe, expect, it } from 'vitest';
import { PRESENCE_MIN_GAP_MS, PresenceReporter } from './presence';

describe('room presence schedule', () => {
  it('reports soon after a change, then on the heartbeat while sockets remain, and once at zero', () => {
    const p = new PresenceReporter(30_000);
    expect(p.dueAt(3)).toBe(PRESENCE_MIN_GAP_MS);
    p.reported(3, 100_000);
    expect(p.dueAt(3)).toBe(130_000);
    expect(p.dueAt(4)).toBe(100_000 + PRESENCE_MIN_GAP_MS);
    p.reported(0, 110_000);
    expect(p.dueAt(0)).toBeUndefined();
  });
});
