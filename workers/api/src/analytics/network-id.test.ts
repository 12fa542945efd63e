import { describe, expect, it } from 'vitest';
import { networkIdOf, networkPrefix } from './network-id';

describe('network ids', () => {
  it('keeps the /24 of IPv4 and the /48 of IPv6, and rejects what is neither', () => {
    expect(networkPrefix('203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkPrefix('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkPrefix('2001:db8:abcd:12::1')).toBe('2001:db8:abcd::/48');
    expect(networkPrefix('2001:0db8:abcd:0012:0000:0000:0000:0001')).toBe('2001:db8:abcd::/48');
    expect(networkPrefix('2001:db8::1')).toBe('2001:db8:0::/48');
    expect(networkPrefix('300.1.1.1')).toBeUndefined();
    expect(networkPrefix('not an ip')).toBeUndefined();
    expect(networkPrefix('1::2::3')).toBeUndefined();
  });

  it('gives one keyed id per network, different per network and per key, and none without a key', async () => {
    const a = await networkIdOf('203.0.113.1', 'key-1');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(await networkIdOf('203.0.113.250', 'key-1')).toBe(a);
    expect(await networkIdOf('203.0.114.1', 'key-1')).not.toBe(a);
    expect(await networkIdOf('203.0.113.1', 'key-2')).not.toBe(a);
    expect(await networkIdOf('203.0.113.1', undefined)).toBeUndefined();
    expect(await networkIdOf(undefined, 'key-1')).toBeUndefined();
  });
});
