import { describe, expect, it } from 'vitest';
import { bucketOf, flagOn } from './evaluate';

const rule = { enabled: true, percentage: 30, userIds: ['00000000-0000-4000-8000-000000000001'] };

describe('flagOn', () => {
  it('is off for everyone while disabled, allow-listed users included', () => {
    const off = { ...rule, enabled: false };
    expect(flagOn('room_fanout', off, { id: 'x', userId: rule.userIds[0] })).toBe(false);
  });
  it('is on for allow-listed users whatever their bucket', () => {
    const none = { ...rule, percentage: 0 };
    expect(flagOn('room_fanout', none, { id: 'anything', userId: rule.userIds[0] })).toBe(true);
    expect(flagOn('room_fanout', none, { id: 'anything', userId: null })).toBe(false);
  });
  it('gives about the configured share of subjects, and the same answer every time', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `show-${i}`);
    const on = ids.filter((id) => flagOn('room_fanout', rule, { id })).length;
    expect(on / ids.length).toBeGreaterThan(0.27);
    expect(on / ids.length).toBeLessThan(0.33);
    expect(ids.map((id) => flagOn('room_fanout', rule, { id }))).toEqual(
      ids.map((id) => flagOn('room_fanout', rule, { id })),
    );
  });
  it('only adds subjects when the percentage grows', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `u${i}`);
    const at30 = ids.filter((id) => flagOn('room_fanout', rule, { id }));
    const at60 = new Set(ids.filter((id) => flagOn('room_fanout', { ...rule, percentage: 60 }, { id })));
    expect(at30.every((id) => at60.has(id))).toBe(true);
  });
  it('buckets into 0–99', () => {
    for (const t of ['', 'a', 'room_fanout:1', '🎸']) expect(bucketOf(t)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...Array.from({ length: 500 }, (_, i) => bucketOf(String(i))))).toBeLessThan(100);
  });
});
