/**
 * Cities that venues are placed in: each with its country (ISO 3166-1 alpha-2), the IANA zone that
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

const city = (name: string, country: string, timeZone: string, latitude: number, longitude: number, weight: number) =>
  ({ name, country, timeZone, latitude, longitude, weight }) satisfies City;

export const CITIES: readonly City[] = [
  city('New York', 'US', 'America/New_York', 40.7128, -74.006, 10),
  city('Los Angeles', 'US', 'America/Los_Angeles', 34.0522, -118.2437, 9),
  city('Chicago', 'US', 'America/Chicago', 41.8781, -87.6298, 7),
  city('Austin', 'US', 'America/Chicago', 30.2672, -97.7431, 5),
  city('Nashville', 'US', 'America/Chicago', 36.1627, -86.7816, 5),
  city('Denver', 'US', 'America/Denver', 39.7392, -104.9903, 4),
  city('Phoenix', 'US', 'America/Phoenix', 33.4484, -112.074, 3),
  city('Seattle', 'US', 'America/Los_Angeles', 47.6062, -122.3321, 4),
  city('San Francisco', 'US', 'America/Los_Angeles', 37.7749, -122.4194, 5),
  city('Atlanta', 'US', 'America/New_York', 33.749, -84.388, 4),
  city('Boston', 'US', 'America/New_York', 42.3601, -71.0589, 4),
  city('Detroit', 'US', 'America/Detroit', 42.3314, -83.0458, 3),
  city('Indianapolis', 'US', 'America/Indiana/Indianapolis', 39.7684, -86.1581, 2),
  city('Honolulu', 'US', 'Pacific/Honolulu', 21.3069, -157.8583, 1),
  city('Toronto', 'CA', 'America/Toronto', 43.6532, -79.3832, 5),
  city('Montreal', 'CA', 'America/Toronto', 45.5017, -73.5673, 4),
  city('Vancouver', 'CA', 'America/Vancouver', 49.2827, -123.1207, 3),
  city('Calgary', 'CA', 'America/Edmonton', 51.0447, -114.0719, 2),
  city('Halifax', 'CA', 'America/Halifax', 44.6488, -63.5752, 1),
  city('Mexico City', 'MX', 'America/Mexico_City', 19.4326, -99.1332, 4),
  city('Monterrey', 'MX', 'America/Monterrey', 25.6866, -100.3161, 2),
  city('London', 'GB', 'Europe/London', 51.5074, -0.1278, 9),
  city('Manchester', 'GB', 'Europe/London', 53.4808, -2.2426, 4),
  city('Glasgow', 'GB', 'Europe/London', 55.8642, -4.2518, 3),
  city('Bristol', 'GB', 'Europe/London', 51.4545, -2.5879, 2),
  city('Dublin', 'IE', 'Europe/Dublin', 53.3498, -6.2603, 3),
  city('Berlin', 'DE', 'Europe/Berlin', 52.52, 13.405, 6),
  city('Hamburg', 'DE', 'Europe/Berlin', 53.5511, 9.9937, 3),
  city('Munich', 'DE', 'Europe/Berlin', 48.1351, 11.582, 3),
  city('Cologne', 'DE', 'Europe/Berlin', 50.9375, 6.9603, 2),
  city('Paris', 'FR', 'Europe/Paris', 48.8566, 2.3522, 6),
  city('Lyon', 'FR', 'Europe/Paris', 45.764, 4.8357, 2),
  city('Amsterdam', 'NL', 'Europe/Amsterdam', 52.3676, 4.9041, 4),
  city('Utrecht', 'NL', 'Europe/Amsterdam', 52.0907, 5.1214, 1),
  city('Madrid', 'ES', 'Europe/Madrid', 40.4168, -3.7038, 3),
  city('Barcelona', 'ES', 'Europe/Madrid', 41.3874, 2.1686, 3),
  city('Milan', 'IT', 'Europe/Rome', 45.4642, 9.19, 3),
  city('Rome', 'IT', 'Europe/Rome', 41.9028, 12.4964, 2),
  city('Stockholm', 'SE', 'Europe/Stockholm', 59.3293, 18.0686, 2),
  city('Copenhagen', 'DK', 'Europe/Copenhagen', 55.6761, 12.5683, 2),
  city('Oslo', 'NO', 'Europe/Oslo', 59.9139, 10.7522, 2),
  city('Lisbon', 'PT', 'Europe/Lisbon', 38.7223, -9.1393, 2),
  city('Tokyo', 'JP', 'Asia/Tokyo', 35.6762, 139.6503, 5),
  city('Osaka', 'JP', 'Asia/Tokyo', 34.6937, 135.5023, 2),
  city('Seoul', 'KR', 'Asia/Seoul', 37.5665, 126.978, 3),
  city('Sydney', 'AU', 'Australia/Sydney', -33.8688, 151.2093, 4),
  city('Melbourne', 'AU', 'Australia/Melbourne', -37.8136, 144.9631, 4),
  city('Brisbane', 'AU', 'Australia/Brisbane', -27.4698, 153.0251, 2),
  city('Perth', 'AU', 'Australia/Perth', -31.9505, 115.8605, 1),
  city('Auckland', 'NZ', 'Pacific/Auckland', -36.8485, 174.7633, 2),
  city('São Paulo', 'BR', 'America/Sao_Paulo', -23.5505, -46.6333, 4),
  city('Rio de Janeiro', 'BR', 'America/Sao_Paulo', -22.9068, -43.1729, 3),
  city('Buenos Aires', 'AR', 'America/Argentina/Buenos_Aires', -34.6037, -58.3816, 3),
  city('Santiago', 'CL', 'America/Santiago', -33.4489, -70.6693, 2),
];

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
