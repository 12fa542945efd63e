/**
 * Which setlist.fm setlist is a show's: the artist (MusicBrainz id) and the local date in the venue's time
 * zone must be equal, the country too; then the venue decides — its name (significant words in common), the
 * city, and the distance between the venue's and the setlist city's coordinates. An artist can play two
 * cities on one date (a festival and a club show, a TV taping), and a city has several venues, so "the first
 * search hit" is never taken on trust: a candidate needs a venue that fits, and two that fit equally well
 * match nothing (logged, left to a moderator).
 */
import type { Setlist } from './setlistfm';
import { distanceKm, nameSimilarity, normaliseTitle, setlistfmDate } from './text';

export interface ShowPlace {
  startsAt: Date;
  artistMbid: string;
  venue: {
    name: string;
    city: string;
    country: string;
    timeZone: string;
    latitude: number | null;
    longitude: number | null;
  };
}

export interface CandidateScore {
  setlistId: string;
  score: number;
  reasons: string[];
  eligible: boolean;
}

export type MatchResult =
  | { kind: 'matched'; setlist: Setlist; scores: CandidateScore[] }
  | { kind: 'none' | 'ambiguous'; scores: CandidateScore[] };

/** The songs of a setlist in play order, without tape intros and outros. */
export function playedTitles(setlist: Setlist): string[] {
  return setlist.sets.set.flatMap((block) =>
    block.song.filter((s) => !s.tape && s.name.trim()).map((s) => s.name.trim()),
  );
}

function scoreCandidate(show: ShowPlace, date: string, setlist: Setlist): CandidateScore {
  const reasons: string[] = [];
  let eligible = true;
  if (setlist.artist.mbid !== show.artistMbid) {
    eligible = false;
    reasons.push('other artist');
  }
  if (setlist.eventDate !== date) {
    eligible = false;
    reasons.push(`date ${setlist.eventDate} is not ${date}`);
  }
  if (setlist.venue.city.country.code.toUpperCase() !== show.venue.country.toUpperCase()) {
    eligible = false;
    reasons.push('other country');
  }
  const sameCity = normaliseTitle(setlist.venue.city.name) === normaliseTitle(show.venue.city);
  const coords = setlist.venue.city.coords;
  const km =
    coords && show.venue.latitude !== null && show.venue.longitude !== null
      ? distanceKm({ lat: coords.lat, lon: coords.long }, { lat: show.venue.latitude, lon: show.venue.longitude })
      : undefined;
  const name = nameSimilarity(setlist.venue.name, show.venue.name);
  // setlist.fm's coordinates are the city's, not the venue's: near means "the same metropolitan area".
  const near = km !== undefined && km <= 40;
  if (!sameCity && !near) {
    eligible = false;
    reasons.push(km === undefined ? 'other city' : `other city (${Math.round(km)} km away)`);
  }
  if (name < 0.34) {
    eligible = false;
    reasons.push(`venue name differs (${name.toFixed(2)})`);
  }
  const score = name * 0.6 + (sameCity ? 0.25 : 0) + (near ? 0.15 : 0);
  if (eligible)
    reasons.push(
      `venue ${name.toFixed(2)}, ${sameCity ? 'same city' : 'other city name'}${km === undefined ? '' : `, ${Math.round(km)} km`}`,
    );
  return { setlistId: setlist.id, score, reasons, eligible };
}

export function matchSetlist(show: ShowPlace, candidates: Setlist[]): MatchResult {
  const date = setlistfmDate(show.startsAt, show.venue.timeZone);
  const scores = candidates.map((c) => scoreCandidate(show, date, c));
  const eligible = scores.filter((s) => s.eligible).sort((a, b) => b.score - a.score);
  if (eligible.length === 0) return { kind: 'none', scores };
  if (eligible.length > 1 && eligible[0]!.score - eligible[1]!.score < 0.05) return { kind: 'ambiguous', scores };
  return { kind: 'matched', setlist: candidates.find((c) => c.id === eligible[0]!.setlistId)!, scores };
}
