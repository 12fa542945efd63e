import { describe, expect, it } from 'vitest';
import { roomPlacement } from './placement';

describe('roomPlacement', () => {
  it('keeps rooms of EU and EEA venues in the EU jurisdiction, near the venue', () => {
    expect(roomPlacement({ country: 'DE', longitude: 13.4 })).toEqual({ jurisdiction: 'eu', locationHint: 'weur' });
    expect(roomPlacement({ country: 'pl', longitude: 21 })).toEqual({ jurisdiction: 'eu', locationHint: 'eeur' });
    expect(roomPlacement({ country: 'NO' })).toEqual({ jurisdiction: 'eu', locationHint: 'weur' });
  });
  it('puts other rooms near their venue without a jurisdiction', () => {
    expect(roomPlacement({ country: 'GB', longitude: -0.1 })).toEqual({ jurisdiction: null, locationHint: 'weur' });
    expect(roomPlacement({ country: 'US', longitude: -122.4 }).locationHint).toBe('wnam');
    expect(roomPlacement({ country: 'US', longitude: -74 }).locationHint).toBe('enam');
    expect(roomPlacement({ country: 'US' }).locationHint).toBe('enam');
    expect(roomPlacement({ country: 'AU' }).locationHint).toBe('oc');
    expect(roomPlacement({ country: 'JP' }).locationHint).toBe('apac');
    expect(roomPlacement({ country: 'BR' }).locationHint).toBe('sam');
    expect(roomPlacement({ country: 'ZA' }).locationHint).toBe('afr');
    expect(roomPlacement({ country: 'AE' }).locationHint).toBe('me');
  });
  it('falls back to a hint for countries it does not list', () => {
    expect(roomPlacement({ country: 'XX' })).toEqual({ jurisdiction: null, locationHint: 'enam' });
  });
});
