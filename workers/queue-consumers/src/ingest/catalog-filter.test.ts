import { describe, expect, it } from 'vitest';
import { FIXTURE_ARTIST } from '../../../../test/fixtures/providers/in-memory';
import tracks0 from '../../../../test/fixtures/providers/spotify/several-tracks-page-0.json';
import tracks2 from '../../../../test/fixtures/providers/spotify/several-tracks-page-2.json';
import { catalogueSongs, isAlternateVersion } from './catalog-filter';
import { SpotifyTrack } from './spotify';
import { normaliseTitle } from './text';

const parse = (body: { tracks: unknown[] }) => body.tracks.map((t) => SpotifyTrack.parse(t));

describe('which Spotify tracks become songs', () => {
  it('drops live and remix versions and keeps each recording once (ISRC)', () => {
    const songs = catalogueSongs([...parse(tracks0), ...parse(tracks2)], FIXTURE_ARTIST.spotifyId);
    expect(songs.map((s) => s.title).sort()).toEqual([...FIXTURE_ARTIST.songs]);
    expect(songs.find((s) => s.title === 'Lighthouse')!.album).toBe('Night Harbour'); // the album, not the single
  });

  it('recognises version markers in titles and live albums, not songs that merely contain the words', () => {
    const t = (name: string, album = 'Night Harbour') => ({
      name,
      album: { id: 'a', name: album, album_type: 'album' },
    });
    expect(isAlternateVersion(t('Song - Live at Wembley'))).toBe(true);
    expect(isAlternateVersion(t('Song (Live)'))).toBe(true);
    expect(isAlternateVersion(t('Song - Tiësto Remix'))).toBe(true);
    expect(isAlternateVersion(t('Song [Demo]'))).toBe(true);
    expect(isAlternateVersion(t('Song', 'Live at Leeds'))).toBe(true);
    expect(isAlternateVersion(t('Live Forever'))).toBe(false);
    expect(isAlternateVersion(t('Remix the Night'))).toBe(false);
    expect(isAlternateVersion(t('Song', 'Live Through This'))).toBe(false);
    expect(isAlternateVersion(t('Song - 2011 Remaster'))).toBe(false);
  });

  it('normalises titles for matching: remasters, features, punctuation and accents', () => {
    expect(normaliseTitle('Don’t Stop (Remastered 2009)')).toBe('dont stop');
    expect(normaliseTitle('Dont Stop - 2011 Remaster')).toBe('dont stop');
    expect(normaliseTitle('Tidewater (feat. Mara Lune)')).toBe('tidewater');
    expect(normaliseTitle('Café Tacvba')).toBe('cafe tacvba');
  });
});
