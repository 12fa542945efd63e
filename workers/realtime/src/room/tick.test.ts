import { describe, expect, it } from 'vitest';
import { roomTickMs } from './tick';

describe('roomTickMs', () => {
  it('is the minimum tick for small rooms', () => {
    expect(roomTickMs(0, 50, 45)).toBe(50);
    expect(roomTickMs(1_000, 50, 45)).toBe(50);
  });

  it('grows with the sockets beyond the minimum', () => {
    expect(roomTickMs(2_000, 50, 45)).toBe(90);
    expect(roomTickMs(10_000, 50, 45)).toBe(450);
  });

  it('is whole milliseconds, so an alarm at the due time finds the tick due', () => {
    expect(roomTickMs(1_500, 50, 45)).toBe(68);
    for (let sockets = 0; sockets < 5_000; sockets += 37)
      expect(Number.isInteger(roomTickMs(sockets, 50, 45))).toBe(true);
  });

  it('is fixed when the per-socket growth is 0', () => {
    expect(roomTickMs(30_000, 50, 0)).toBe(50);
  });
});
