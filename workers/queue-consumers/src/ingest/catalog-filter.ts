/**
 * Which Spotify tracks become songs: studio versions only (no live recordings, remixes, demos, karaoke or
 * instrumentals), and each recording once. The same recording appears on an album, its single and its deluxe
 * edition under one ISRC; a remaster gets a new ISRC but the same title, so titles are compared too
 * (normalised: see normaliseTitle).
 */

import type { SpotifyTrack } from './spotify';
import { normaliseTitle } from './text';

const VERSION_MARKERS =
  /\b(live|remix|remixed|mix|demo|karaoke|instrumental|acoustic version|rehearsal|session|edit)\b/i;
/** "Song - Live at Wembley", "Song (Live)", "Song [Remix]", "Song - Tiësto Remix". */
const DECORATION = /\s-\s(.+)$|[([]([^)\]]+)[)\]]/g;
/** Album titles that make the whole album a live album ("Live at Leeds", "Alive in Paris", "MTV Unplugged"). */
const LIVE_ALBUM = /\b(live (at|in|from|on)|unplugged|in concert)\b|^live$|[([]live[)\]]|\s-\slive\b/i;

export function isAlternateVersion(track: Pick<SpotifyTrack, 'name' | 'album'>): boolean {
  for (const match of track.name.matchAll(DECORATION)) {
    if (VERSION_MARKERS.test(match[1] ?? match[2] ?? '')) return true;
  }
  return LIVE_ALBUM.test(track.album.name);
}

export interface CatalogueSong {
  title: string;
  album: string;
  durationMs: number;
  spotifyId: string;
  isrc: string | null;
}

/** The songs among `tracks`, in order, each recording once (first occurrence wins: albums come before singles). */
export function catalogueSongs(tracks: SpotifyTrack[], artistSpotifyId: string): CatalogueSong[] {
  const seenIsrc = new Set<string>();
  const seenTitle = new Set<string>();
  const songs: CatalogueSong[] = [];
  for (const track of tracks) {
    if (!track.artists.some((a) => a.id === artistSpotifyId)) continue; // a split single's other side
    if (isAlternateVersion(track)) continue;
    const isrc = track.external_ids.isrc?.toUpperCase() ?? null;
    const title = normaliseTitle(track.name);
    if ((isrc && seenIsrc.has(isrc)) || seenTitle.has(title)) continue;
    if (isrc) seenIsrc.add(isrc);
    seenTitle.add(title);
    songs.push({
      title: track.name,
      album: track.album.name,
      durationMs: track.duration_ms,
      spotifyId: track.id,
      isrc,
    });
  }
  return songs;
}
