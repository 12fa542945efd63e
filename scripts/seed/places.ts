import cities from './cities.json';

/**
 * Cities that venues are placed in (cities.json): each with its country (ISO 3166-1 alpha-2), the IANA zone that
 * actually governs that city (e.g. Detroit is America/Detroit, Phoenix has no DST, Montreal follows
 * America/Toronto), its centre coordinates, and a weight (bigger music markets get more venues).
 */
export interface City {
  name: string;
  country: string;
  timeZone: string;
  latitude: number;
  longitude: number;
  weight: number;
}

export const CITIES: readonly City[] = cities;

/** Where artists are "from": the first two letters of their ISRCs. */
export const ISRC_COUNTRIES = [
  'US',
  'US',
  'US',
  'GB',
  'GB',
  'CA',
  'AU',
  'DE',
  'SE',
  'FR',
  'NL',
  'IE',
  'JP',
  'KR',
  'BR',
] as const;
