/** Venues, placed in real cities with their real IANA zones; returns what the show generator needs. */
import type { Faker } from '@faker-js/faker';
import { slugify } from '#shared/slug';
import { CITIES, type City } from './places';
import { permute32, toBase62, WeightedPicker } from './random';
import { inChunks, type SeedBatch, type VenueRow } from './rows';
import { DAY_MS, isoTimestamp } from './time';
import { ARENA_SPONSORS, BAND_ADJECTIVES, BAND_SINGULARS, VENUE_KINDS, VENUE_NOUNS, type VenueKind } from './words';

export interface VenueRef {
  id: string;
  citySlug: string;
  timeZone: string;
  capacity: number;
}

export interface VenueOptions {
  faker: Faker;
  count: number;
  nowMs: number;
  chunkSize: number;
}

const TM_VENUE_SALT = 0x7e17e5;

function venueName(f: Faker, kind: VenueKind['kind'], city: City): string {
  const us = city.country === 'US';
  const theatre = us ? 'Theater' : 'Theatre';
  const surname = () => f.person.lastName();
  const adj = () => f.helpers.arrayElement(BAND_ADJECTIVES);
  const sponsor = () => f.helpers.arrayElement(ARENA_SPONSORS);
  const options: Record<VenueKind['kind'], () => string[]> = {
    club: () => [
      `The ${f.helpers.arrayElement(VENUE_NOUNS)}`,
      `${surname()}'s`,
      `Club ${f.helpers.arrayElement(BAND_SINGULARS)}`,
      `The ${adj()} ${f.helpers.arrayElement(VENUE_NOUNS)}`,
    ],
    ballroom: () => [`${city.name} Ballroom`, `${surname()} Ballroom`, `The ${adj()} Ballroom`],
    theatre: () => [`${surname()} ${theatre}`, `The ${adj()} ${theatre}`, `${city.name} Playhouse`],
    hall: () => [`${city.name} Music Hall`, `${surname()} Hall`, `The ${f.helpers.arrayElement(BAND_SINGULARS)} Hall`],
    amphitheatre: () => [
      `${sponsor()} ${us ? 'Amphitheater' : 'Amphitheatre'}`,
      `${adj()} Hill ${us ? 'Amphitheater' : 'Amphitheatre'}`,
    ],
    arena: () => [`${sponsor()} Arena`, `${city.name} Arena`],
    stadium: () => [`${city.name} Stadium`, `${sponsor()} Stadium`, `${surname()} Field`],
  };
  return f.helpers.arrayElement(options[kind]());
}

function roundCapacity(capacity: number): number {
  const step = capacity < 2_000 ? 10 : capacity < 20_000 ? 100 : 500;
  return Math.round(capacity / step) * step;
}

export function* generateVenues(options: VenueOptions): Generator<SeedBatch, VenueRef[]> {
  const { faker: f, count, nowMs, chunkSize } = options;
  const cityPicker = new WeightedPicker(CITIES.map((c) => c.weight));
  const kindPicker = new WeightedPicker(VENUE_KINDS.map((k) => k.weight));
  const slugs = new Set<string>();
  const refs: VenueRef[] = [];
  let rows: VenueRow[] = [];
  for (let i = 0; i < count; i++) {
    // Every city gets a venue first (so all countries appear at scale 1), then bigger markets get more.
    const city = i < CITIES.length ? CITIES[i]! : CITIES[cityPicker.pick(f)]!;
    const kind = VENUE_KINDS[kindPicker.pick(f)]!;
    let name = venueName(f, kind.kind, city);
    const slugOf = (n: string) => slugify(n.includes(city.name) ? n : `${n} ${city.name}`);
    for (let attempt = 0; slugs.has(slugOf(name)) && attempt < 30; attempt++) name = venueName(f, kind.kind, city);
    const slug = slugs.has(slugOf(name)) ? `${slugOf(name)}-${i}` : slugOf(name);
    slugs.add(slug);
    const capacity = roundCapacity(f.number.int({ min: kind.capacity[0], max: kind.capacity[1] }));
    // Within ~9 km of the centre; longitude degrees shrink with latitude.
    const latitude = city.latitude + (f.number.float() - 0.5) * 0.16;
    const longitude = city.longitude + ((f.number.float() - 0.5) * 0.16) / Math.cos((city.latitude * Math.PI) / 180);
    const row: VenueRow = {
      id: f.string.uuid(),
      slug,
      name,
      city: city.name,
      country: city.country,
      timeZone: city.timeZone,
      latitude: Math.round(latitude * 1e6) / 1e6,
      longitude: Math.round(longitude * 1e6) / 1e6,
      capacity,
      ticketmasterId: f.number.float() < 0.85 ? `KovZpZ${toBase62(permute32(i, TM_VENUE_SALT), 6)}` : null,
      createdAt: isoTimestamp(nowMs - f.number.int({ min: 200 * DAY_MS, max: 1500 * DAY_MS })),
    };
    rows.push(row);
    refs.push({ id: row.id, citySlug: slugify(city.name), timeZone: city.timeZone, capacity });
    if (rows.length >= chunkSize) {
      yield { table: 'venues', rows };
      rows = [];
    }
  }
  yield* inChunks<Extract<SeedBatch, { table: 'venues' }>>('venues', rows, chunkSize);
  return refs;
}
