import { describe, expect, it } from 'vitest';
import { showDate } from './components';

describe('showDate', () => {
  it("formats in the venue's own zone, the same for every show of that zone", () => {
    const startsAt = '2026-07-04T19:30:00Z';
    expect(showDate(startsAt, 'Europe/London')).toBe('4 Jul 2026, 20:30');
    expect(showDate(startsAt, 'America/New_York')).toBe('4 Jul 2026, 15:30');
    // The second show of a zone reuses its formatter: still its own date and time.
    expect(showDate('2026-12-31T23:00:00Z', 'Europe/London')).toBe('31 Dec 2026, 23:00');
    expect(showDate('2026-12-31T23:00:00Z', 'Australia/Sydney')).toBe('1 Jan 2027, 10:00');
  });

  it('falls back to UTC for a zone the runtime does not know', () => {
    expect(showDate('2026-07-04T19:30:00Z', 'Mars/Olympus_Mons')).toBe('Sat, 04 Jul 2026 19:30:00 GMT');
  });
});
