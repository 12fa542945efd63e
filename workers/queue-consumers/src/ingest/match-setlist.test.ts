import { describe, expect, it } from 'vitest';
import { FIXTURE_ARTIST } from '../../../../test/fixtures/providers/in-memory';
import setlists20 from '../../../../test/fixtures/providers/setlistfm/setlists-20-11-2026.json';
import setlists21 from '../../../../test/fixtures/providers/setlistfm/setlists-21-11-2026.json';
import { matchSetlist, playedTitles, type ShowPlace } from './match-setlist';
import { Setlist } from './setlistfm';
import { setlistfmDate, zonedTimeToUtc } from './text';

const parse = (body: { setlist: unknown[] }) => body.setlist.map((s) => Setlist.parse(s));
/** Every setlist.fm setlist of the artist around the date: the right one and its decoys. */
const all = [...parse(setlists20), ...parse(setlists21)];

const brixton: ShowPlace['venue'] = {
  name: 'O2 Academy Brixton',
  city: 'London',
  country: 'GB',
  timeZone: 'Europe/London',
  latitude: 51.46502,
  longitude: -0.11488,
};
const show = (over: Partial<ShowPlace> = {}): ShowPlace => ({
  startsAt: zonedTimeToUtc('2026-11-20', '20:00', 'Europe/London'),
  artistMbid: FIXTURE_ARTIST.musicbrainzId,
  venue: brixton,
  ...over,
});
const ids = (setlists: Setlist[]) => new Set(setlists.map((s) => s.id));

describe('matching a show to its setlist.fm setlist', () => {
  it('picks the setlist at the show’s venue among decoys (same artist: other venue in the same city, other city, other date; other artist at the same venue)', () => {
    const result = matchSetlist(show(), all);
    expect(result.kind).toBe('matched');
    if (result.kind !== 'matched') return;
    expect(result.setlist.id).toBe('3bd6a4c8');
    expect(result.setlist.versionId).toBe('7be1aa5c');
    // Every decoy was ruled out for a reason, not merely ranked lower.
    const reasons = Object.fromEntries(result.scores.map((s) => [s.setlistId, s]));
    expect(reasons['63d6a2a1']!.eligible).toBe(false); // Electric Ballroom, London: another venue
    expect(reasons['23d6a2b7']!.eligible).toBe(false); // Albert Hall, Manchester: another city
    expect(reasons['1bd6a9f0']!.eligible).toBe(false); // the tribute band at the same venue
    expect(reasons['5bd6b0e2']!.eligible).toBe(false); // the next night at the same venue
  });

  it('does not depend on the order of the search results', () => {
    for (const order of [all, [...all].reverse(), [all[2]!, all[0]!, all[4]!, all[1]!, all[3]!]]) {
      const result = matchSetlist(show(), order);
      expect(result.kind === 'matched' && result.setlist.id).toBe('3bd6a4c8');
    }
  });

  it('uses the date in the venue’s time zone: the second night (21 Nov, late) matches the 21 Nov setlist', () => {
    const late = show({ startsAt: zonedTimeToUtc('2026-11-21', '23:30', 'Europe/London') });
    const result = matchSetlist(late, all);
    expect(result.kind === 'matched' && result.setlist.id).toBe('5bd6b0e2');
  });

  it('computes the local date across the UTC day boundary', () => {
    // 23:30 in Los Angeles on 20 Nov is 07:30 UTC on 21 Nov; setlist.fm files it under 20-11-2026.
    const at = zonedTimeToUtc('2026-11-20', '23:30', 'America/Los_Angeles');
    expect(at.toISOString()).toBe('2026-11-21T07:30:00.000Z');
    expect(setlistfmDate(at, 'America/Los_Angeles')).toBe('20-11-2026');
    expect(setlistfmDate(at, 'Europe/London')).toBe('21-11-2026');
  });

  it('matches nothing when only decoys exist (the right setlist is not on setlist.fm yet)', () => {
    const result = matchSetlist(
      show(),
      all.filter((s) => s.id !== '3bd6a4c8'),
    );
    expect(result.kind).toBe('none');
  });

  it('matches by coordinates when the city is spelled differently, and nothing in another country', () => {
    const spelled = show({ venue: { ...brixton, city: 'Greater London' } });
    expect(matchSetlist(spelled, all).kind).toBe('matched');
    const elsewhere = show({ venue: { ...brixton, country: 'IE', city: 'Dublin', latitude: 53.35, longitude: -6.26 } });
    expect(matchSetlist(elsewhere, all).kind).toBe('none');
  });

  it('refuses to guess between two setlists that fit equally well', () => {
    const twin = { ...all.find((s) => s.id === '3bd6a4c8')!, id: 'twin0001', versionId: 'twinv001' };
    expect(matchSetlist(show(), [...all, twin]).kind).toBe('ambiguous');
  });

  it('reads the sets in both documented shapes ("sets": {"set": [...]} and a bare "set": [...])', () => {
    const raw = setlists20.setlist.find((s) => s.id === '3bd6a4c8')!;
    const { sets, ...rest } = raw;
    expect(playedTitles(Setlist.parse({ ...rest, set: sets.set }))).toEqual(playedTitles(Setlist.parse(raw)));
  });

  it('lists the played songs in order without tape intros', () => {
    expect(playedTitles(all.find((s) => s.id === '3bd6a4c8')!)).toEqual(FIXTURE_ARTIST.brixtonPlayed);
  });
});
