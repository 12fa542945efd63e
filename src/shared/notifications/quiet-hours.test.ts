import { describe, expect, it } from 'vitest';
import { secondsUntilQuietHoursEnd } from './quiet-hours';
import { formatWhen, languageOf, renderShort } from './templates';

const at = (iso: string) => new Date(iso);

describe('quiet hours', () => {
  it('spans midnight in the user’s own zone', () => {
    // 23:30 in Berlin (CET, UTC+1) with quiet hours 22:00–07:00: 7.5 hours left.
    expect(secondsUntilQuietHoursEnd(at('2026-01-15T22:30:00Z'), 'Europe/Berlin', 22 * 60, 7 * 60)).toBe(7.5 * 3600);
    // 06:59:30 local: 30 seconds left.
    expect(secondsUntilQuietHoursEnd(at('2026-01-15T05:59:30Z'), 'Europe/Berlin', 22 * 60, 7 * 60)).toBe(30);
    // 07:00 local: over.
    expect(secondsUntilQuietHoursEnd(at('2026-01-15T06:00:00Z'), 'Europe/Berlin', 22 * 60, 7 * 60)).toBe(0);
    // The same instant is daytime in New York.
    expect(secondsUntilQuietHoursEnd(at('2026-01-15T22:30:00Z'), 'America/New_York', 22 * 60, 7 * 60)).toBe(0);
  });

  it('handles a daytime window and none at all', () => {
    expect(secondsUntilQuietHoursEnd(at('2026-06-01T13:00:00Z'), 'UTC', 12 * 60, 14 * 60)).toBe(3600);
    expect(secondsUntilQuietHoursEnd(at('2026-06-01T15:00:00Z'), 'UTC', 12 * 60, 14 * 60)).toBe(0);
    expect(secondsUntilQuietHoursEnd(at('2026-06-01T13:00:00Z'), 'UTC', null, null)).toBe(0);
  });
});

describe('templates', () => {
  it('fall back from a regional locale to its language, and from unknown languages to English', () => {
    expect(languageOf('de-CH')).toBe('de');
    expect(languageOf('fr')).toBe('en');
    expect(languageOf(undefined)).toBe('en');
    const data = { artistName: 'Band', venueName: 'Hall', city: 'Köln', startsAt: '2026-09-12T18:00:00Z' };
    expect(renderShort('show_announced', data, { locale: 'fr-FR', timeZone: 'UTC' }).title).toBe(
      'Band announced a show',
    );
    expect(renderShort('show_announced', data, { locale: 'de-AT', timeZone: 'Europe/Vienna' }).title).toBe(
      'Band hat ein Konzert angekündigt',
    );
  });

  it('format the show time in the recipient’s zone', () => {
    expect(formatWhen('2026-09-12T18:00:00Z', 'en-GB', 'Europe/Berlin')).toContain('20:00');
    expect(formatWhen('2026-09-12T18:00:00Z', 'en-US', 'America/New_York')).toContain('2:00');
  });
});
