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

export const CITIES: readonly City[] = [
  { name: 'New York', country: 'US', timeZone: 'America/New_York', latitude: 40.7128, longitude: -74.006, weight: 10 },
  { name: 'Los Angeles', country: 'US', timeZone: 'America/Los_Angeles', latitude: 34.0522, longitude: -118.2437, weight: 9 },
  { name: 'Chicago', country: 'US', timeZone: 'America/Chicago', latitude: 41.8781, longitude: -87.6298, weight: 7 },
  { name: 'Austin', country: 'US', timeZone: 'America/Chicago', latitude: 30.2672, longitude: -97.7431, weight: 5 },
  { name: 'Nashville', country: 'US', timeZone: 'America/Chicago', latitude: 36.1627, longitude: -86.7816, weight: 5 },
  { name: 'Denver', country: 'US', timeZone: 'America/Denver', latitude: 39.7392, longitude: -104.9903, weight: 4 },
  { name: 'Phoenix', country: 'US', timeZone: 'America/Phoenix', latitude: 33.4484, longitude: -112.074, weight: 3 },
  { name: 'Seattle', country: 'US', timeZone: 'America/Los_Angeles', latitude: 47.6062, longitude: -122.3321, weight: 4 },
  { name: 'San Francisco', country: 'US', timeZone: 'America/Los_Angeles', latitude: 37.7749, longitude: -122.4194, weight: 5 },
  { name: 'Atlanta', country: 'US', timeZone: 'America/New_York', latitude: 33.749, longitude: -84.388, weight: 4 },
  { name: 'Boston', country: 'US', timeZone: 'America/New_York', latitude: 42.3601, longitude: -71.0589, weight: 4 },
  { name: 'Detroit', country: 'US', timeZone: 'America/Detroit', latitude: 42.3314, longitude: -83.0458, weight: 3 },
  { name: 'Indianapolis', country: 'US', timeZone: 'America/Indiana/Indianapolis', latitude: 39.7684, longitude: -86.1581, weight: 2 },
  { name: 'Honolulu', country: 'US', timeZone: 'Pacific/Honolulu', latitude: 21.3069, longitude: -157.8583, weight: 1 },
  { name: 'Toronto', country: 'CA', timeZone: 'America/Toronto', latitude: 43.6532, longitude: -79.3832, weight: 5 },
  { name: 'Montreal', country: 'CA', timeZone: 'America/Toronto', latitude: 45.5017, longitude: -73.5673, weight: 4 },
  { name: 'Vancouver', country: 'CA', timeZone: 'America/Vancouver', latitude: 49.2827, longitude: -123.1207, weight: 3 },
  { name: 'Calgary', country: 'CA', timeZone: 'America/Edmonton', latitude: 51.0447, longitude: -114.0719, weight: 2 },
  { name: 'Halifax', country: 'CA', timeZone: 'America/Halifax', latitude: 44.6488, longitude: -63.5752, weight: 1 },
  { name: 'Mexico City', country: 'MX', timeZone: 'America/Mexico_City', latitude: 19.4326, longitude: -99.1332, weight: 4 },
  { name: 'Monterrey', country: 'MX', timeZone: 'America/Monterrey', latitude: 25.6866, longitude: -100.3161, weight: 2 },
  { name: 'London', country: 'GB', timeZone: 'Europe/London', latitude: 51.5074, longitude: -0.1278, weight: 9 },
  { name: 'Manchester', country: 'GB', timeZone: 'Europe/London', latitude: 53.4808, longitude: -2.2426, weight: 4 },
  { name: 'Glasgow', country: 'GB', timeZone: 'Europe/London', latitude: 55.8642, longitude: -4.2518, weight: 3 },
  { name: 'Bristol', country: 'GB', timeZone: 'Europe/London', latitude: 51.4545, longitude: -2.5879, weight: 2 },
  { name: 'Dublin', country: 'IE', timeZone: 'Europe/Dublin', latitude: 53.3498, longitude: -6.2603, weight: 3 },
  { name: 'Berlin', country: 'DE', timeZone: 'Europe/Berlin', latitude: 52.52, longitude: 13.405, weight: 6 },
  { name: 'Hamburg', country: 'DE', timeZone: 'Europe/Berlin', latitude: 53.5511, longitude: 9.9937, weight: 3 },
  { name: 'Munich', country: 'DE', timeZone: 'Europe/Berlin', latitude: 48.1351, longitude: 11.582, weight: 3 },
  { name: 'Cologne', country: 'DE', timeZone: 'Europe/Berlin', latitude: 50.9375, longitude: 6.9603, weight: 2 },
  { name: 'Paris', country: 'FR', timeZone: 'Europe/Paris', latitude: 48.8566, longitude: 2.3522, weight: 6 },
  { name: 'Lyon', country: 'FR', timeZone: 'Europe/Paris', latitude: 45.764, longitude: 4.8357, weight: 2 },
  { name: 'Amsterdam', country: 'NL', timeZone: 'Europe/Amsterdam', latitude: 52.3676, longitude: 4.9041, weight: 4 },
  { name: 'Utrecht', country: 'NL', timeZone: 'Europe/Amsterdam', latitude: 52.0907, longitude: 5.1214, weight: 1 },
  { name: 'Madrid', country: 'ES', timeZone: 'Europe/Madrid', latitude: 40.4168, longitude: -3.7038, weight: 3 },
  { name: 'Barcelona', country: 'ES', timeZone: 'Europe/Madrid', latitude: 41.3874, longitude: 2.1686, weight: 3 },
  { name: 'Milan', country: 'IT', timeZone: 'Europe/Rome', latitude: 45.4642, longitude: 9.19, weight: 3 },
  { name: 'Rome', country: 'IT', timeZone: 'Europe/Rome', latitude: 41.9028, longitude: 12.4964, weight: 2 },
  { name: 'Stockholm', country: 'SE', timeZone: 'Europe/Stockholm', latitude: 59.3293, longitude: 18.0686, weight: 2 },
  { name: 'Copenhagen', country: 'DK', timeZone: 'Europe/Copenhagen', latitude: 55.6761, longitude: 12.5683, weight: 2 },
  { name: 'Oslo', country: 'NO', timeZone: 'Europe/Oslo', latitude: 59.9139, longitude: 10.7522, weight: 2 },
  { name: 'Lisbon', country: 'PT', timeZone: 'Europe/Lisbon', latitude: 38.7223, longitude: -9.1393, weight: 2 },
  { name: 'Tokyo', country: 'JP', timeZone: 'Asia/Tokyo', latitude: 35.6762, longitude: 139.6503, weight: 5 },
  { name: 'Osaka', country: 'JP', timeZone: 'Asia/Tokyo', latitude: 34.6937, longitude: 135.5023, weight: 2 },
  { name: 'Seoul', country: 'KR', timeZone: 'Asia/Seoul', latitude: 37.5665, longitude: 126.978, weight: 3 },
  { name: 'Sydney', country: 'AU', timeZone: 'Australia/Sydney', latitude: -33.8688, longitude: 151.2093, weight: 4 },
  { name: 'Melbourne', country: 'AU', timeZone: 'Australia/Melbourne', latitude: -37.8136, longitude: 144.9631, weight: 4 },
  { name: 'Brisbane', country: 'AU', timeZone: 'Australia/Brisbane', latitude: -27.4698, longitude: 153.0251, weight: 2 },
  { name: 'Perth', country: 'AU', timeZone: 'Australia/Perth', latitude: -31.9505, longitude: 115.8605, weight: 1 },
  { name: 'Auckland', country: 'NZ', timeZone: 'Pacific/Auckland', latitude: -36.8485, longitude: 174.7633, weight: 2 },
  { name: 'São Paulo', country: 'BR', timeZone: 'America/Sao_Paulo', latitude: -23.5505, longitude: -46.6333, weight: 4 },
  { name: 'Rio de Janeiro', country: 'BR', timeZone: 'America/Sao_Paulo', latitude: -22.9068, longitude: -43.1729, weight: 3 },
  { name: 'Buenos Aires', country: 'AR', timeZone: 'America/Argentina/Buenos_Aires', latitude: -34.6037, longitude: -58.3816, weight: 3 },
  { name: 'Santiago', country: 'CL', timeZone: 'America/Santiago', latitude: -33.4489, longitude: -70.6693, weight: 2 },
];

/** Where artists are "from": the first two letters of their ISRCs. */
export const ISRC_COUNTRIES = ['US', 'US', 'US', 'GB', 'GB', 'CA', 'AU', 'DE', 'SE', 'FR', 'NL', 'IE', 'JP', 'KR', 'BR'] as const;
