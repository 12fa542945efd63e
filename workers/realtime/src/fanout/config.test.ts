import { describe, expect, it } from 'vitest';
import { fanoutConfig, placeSocket } from './config';

describe('fan-out placement', () => {
  it('reads ROOM_SHARDS and ROOM_SHARD_CAPACITY', () => {
    expect(fanoutConfig({})).toEqual({ mode: { kind: 'auto' }, capacity: 500 });
    expect(fanoutConfig({ ROOM_SHARDS: '0', ROOM_SHARD_CAPACITY: '200' })).toEqual({
      mode: { kind: 'off' },
      capacity: 200,
    });
    expect(fanoutConfig({ ROOM_SHARDS: '4' }).mode).toEqual({ kind: 'fixed', shards: 4 });
    expect(fanoutConfig({ ROOM_SHARDS: 'nonsense' }).mode).toEqual({ kind: 'off' });
  });

  it('auto: the room keeps its sockets up to the capacity, then fills shards in order and opens the next', () => {
    const auto = fanoutConfig({ ROOM_SHARDS: 'auto', ROOM_SHARD_CAPACITY: '3' });
    expect(placeSocket(auto, 2, [])).toBeNull();
    expect(placeSocket(auto, 3, [])).toBe(0);
    expect(placeSocket(auto, 3, [2])).toBe(0);
    expect(placeSocket(auto, 3, [3])).toBe(1);
    // Once sharded, a room that lost sockets still sends new ones to the shards.
    expect(placeSocket(auto, 0, [3, 1])).toBe(1);
    expect(placeSocket(auto, 0, [1, 3])).toBe(0);
  });

  it('off keeps every socket on the room; N spreads them over exactly N shards', () => {
    expect(placeSocket(fanoutConfig({ ROOM_SHARDS: '0' }), 10_000, [])).toBeNull();
    const fixed = fanoutConfig({ ROOM_SHARDS: '3', ROOM_SHARD_CAPACITY: '1' });
    expect(placeSocket(fixed, 0, [])).toBe(0);
    expect(placeSocket(fixed, 0, [1])).toBe(1);
    expect(placeSocket(fixed, 0, [1, 1])).toBe(2);
    expect(placeSocket(fixed, 0, [2, 1, 1])).toBe(1);
  });
});
