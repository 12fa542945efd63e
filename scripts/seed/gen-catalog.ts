/**
 * Artists and their songs. Returns, besides the rows, the small in-memory catalogue the show generator
 * needs (song ids and how "hit-like" each song is); memory for it grows with artists x songs, not votes.
 */
import type { Faker } from '@faker-js/faker';
import { slugify } from '#shared/slug';
import { ISRC_COUNTRIES } from './places';
import { base62Random, permute32, toBase62 } from './random';
import { type ArtistRow, inChunks, type SeedBatch, type SongRow } from './rows';
import { DAY_MS, isoTimestamp } from './time';
import { BAND_ADJECTIVES, BAND_NOUNS, BAND_SINGULARS, GENRES, SONG_SUFFIXES } from './words';

export interface ArtistRef {
  id: string;
  slug: string;
  popularity: number;
  /** The artist's genres: fans' tastes (gen-users) draw follows toward artists of their favourite genre. */
  genres: readonly string[];
  songIds: string[];
  /** Relative likelihood of being on a setlist and of being voted for. */
  songWeights: number[];
}

export interface CatalogOptions {
  faker: Faker;
  count: number;
  nowMs: number;
  chunkSize: number;
}

/** Salt for artist Ticketmaster ids; each id family has its own so codes don't repeat across tables. */
const TM_ARTIST_SALT = 0x5eed0a11;

const titleCase = (s: string) => s.replace(/\b[a-z]/g, (c) => c.toUpperCase());

function bandName(f: Faker): string {
  const adj = f.helpers.arrayElement(BAND_ADJECTIVES);
  const noun = f.helpers.arrayElement(BAND_NOUNS);
  const singular = f.helpers.arrayElement(BAND_SINGULARS);
  switch (f.number.int(9)) {
    case 0:
    case 1:
      return `The ${adj} ${noun}`;
    case 2:
      return `${adj} ${singular}`;
    case 3:
      return `${singular} ${noun}`;
    case 4:
    case 5:
      return `${f.person.firstName()} ${f.person.lastName()}`;
    case 6:
      return `${f.person.firstName()} & the ${noun}`;
    case 7:
      return `${singular} of ${noun}`;
    case 8:
      return `${adj} ${noun}`;
    default:
      return `The ${f.person.lastName()} ${f.helpers.arrayElement(['Brothers', 'Sisters', 'Family', 'Band', 'Collective'])}`;
  }
}

function songTitle(f: Faker): string {
  const noun = () => titleCase(f.word.noun());
  let title: string;
  switch (f.number.int(7)) {
    case 0:
      title = `${titleCase(f.word.adjective())} ${noun()}`;
      break;
    case 1:
      title = noun();
      break;
    case 2:
      title = `${titleCase(f.word.verb())} the ${noun()}`;
      break;
    case 3:
      title = `${noun()} in the ${noun()}`;
      break;
    case 4:
      title = `${noun()} & ${noun()}`;
      break;
    case 5:
      title = `Don't ${titleCase(f.word.verb())} Me`;
      break;
    case 6:
      title = `${f.helpers.arrayElement(BAND_ADJECTIVES)} ${f.helpers.arrayElement(BAND_SINGULARS)}`;
      break;
    default:
      title = `Song for ${f.person.firstName()}`;
  }
  return f.number.float() < 0.04 ? `${title} ${f.helpers.arrayElement(SONG_SUFFIXES)}` : title;
}

function uniqueArtistName(f: Faker, slugs: Set<string>, index: number): { name: string; slug: string } {
  for (let attempt = 0; attempt < 50; attempt++) {
    const name = bandName(f);
    const slug = slugify(name);
    if (slug && !slugs.has(slug)) {
      slugs.add(slug);
      return { name, slug };
    }
  }
  // Only reachable at scales far beyond the name space; the index keeps it unique.
  const name = `${bandName(f)} ${index}`;
  const slug = `${slugify(name)}-${index}`;
  slugs.add(slug);
  return { name, slug };
}

function makeSongs(
  f: Faker,
  artist: ArtistRow,
  createdMs: number,
  nowMs: number,
): { rows: SongRow[]; weights: number[] } {
  const count = f.number.int({ min: 20, max: 60 });
  const albumCount = Math.ceil(count / f.number.int({ min: 9, max: 13 }));
  const nowYear = new Date(nowMs).getUTCFullYear();
  let year = nowYear - f.number.int({ min: albumCount, max: albumCount + 20 });
  const country = f.helpers.arrayElement(ISRC_COUNTRIES);
  const registrant = f.string.alphanumeric({ length: 3, casing: 'upper' });
  let designation = f.number.int(90_000);
  const titles = new Set<string>();
  const rows: SongRow[] = [];
  const weights: number[] = [];
  const perAlbum = Math.ceil(count / albumCount);
  let album = '';
  for (let i = 0; i < count; i++) {
    if (i % perAlbum === 0) {
      year = Math.min(nowYear, year + f.number.int({ min: 1, max: 3 }));
      album = i === 0 && f.number.float() < 0.2 ? artist.name : songTitle(f);
    }
    let title = songTitle(f);
    for (let attempt = 0; titles.has(title.toLowerCase()) && attempt < 20; attempt++) title = songTitle(f);
    if (titles.has(title.toLowerCase())) title = `${title} (Version ${i})`;
    titles.add(title.toLowerCase());
    const single = f.number.float() < 0.08;
    // Sum of uniforms: most songs 2.5-5.5 minutes, the odd long one.
    const seconds = 150 + f.number.float() * 60 + f.number.float() * 60 + f.number.float() * 60;
    rows.push({
      id: f.string.uuid(),
      artistId: artist.id,
      title,
      album: single ? null : album,
      durationMs: Math.round((f.number.float() < 0.05 ? seconds + 150 : seconds) * 1000),
      spotifyId: f.number.float() < 0.92 ? base62Random(f, 22) : null,
      isrc: `${country}${registrant}${String(year % 100).padStart(2, '0')}${String(designation++ % 100_000).padStart(5, '0')}`,
      createdAt: isoTimestamp(createdMs),
    });
    // A few hits per catalogue: u^3 is mostly small; singles get a boost.
    weights.push(0.15 + 3 * f.number.float() ** 3 + (single ? 1 : 0));
  }
  return { rows, weights };
}

function makeArtist(
  f: Faker,
  index: number,
  nowMs: number,
  slugs: Set<string>,
): { artist: ArtistRow; songs: SongRow[]; ref: ArtistRef } {
  const id = f.string.uuid();
  const { name, slug } = uniqueArtistName(f, slugs, index);
  const createdMs = nowMs - f.number.int({ min: 30 * DAY_MS, max: 1000 * DAY_MS });
  const popularity = Math.round(100 * f.number.float() ** 1.5);
  const artist: ArtistRow = {
    id,
    slug,
    name,
    spotifyId: base62Random(f, 22),
    ticketmasterId: f.number.float() < 0.9 ? `K8vZ91${toBase62(permute32(index, TM_ARTIST_SALT), 6)}` : null,
    musicbrainzId: f.string.uuid(),
    genres: f.helpers.arrayElements(GENRES, { min: 1, max: 3 }),
    popularity,
    // Served by the api itself (workers/api/src/web/artwork.ts): no outside image host.
    imageUrl: `/art/${slug}.svg`,
    createdAt: isoTimestamp(createdMs),
    updatedAt: isoTimestamp(createdMs + f.number.float() * (nowMs - createdMs)),
  };
  const { rows, weights } = makeSongs(f, artist, createdMs, nowMs);
  return {
    artist,
    songs: rows,
    ref: { id, slug, popularity, genres: artist.genres, songIds: rows.map((r) => r.id), songWeights: weights },
  };
}

export function* generateCatalog(options: CatalogOptions): Generator<SeedBatch, ArtistRef[]> {
  const { faker, count, nowMs, chunkSize } = options;
  const refs: ArtistRef[] = [];
  const slugs = new Set<string>();
  // ~40 songs per artist: this many artists fill about one songs chunk.
  const group = Math.max(1, Math.floor(chunkSize / 40));
  let artists: ArtistRow[] = [];
  let songs: SongRow[] = [];
  for (let i = 0; i < count; i++) {
    const made = makeArtist(faker, i, nowMs, slugs);
    artists.push(made.artist);
    songs.push(...made.songs);
    refs.push(made.ref);
    if (artists.length >= group || i === count - 1) {
      yield { table: 'artists', rows: artists };
      yield* inChunks<Extract<SeedBatch, { table: 'songs' }>>('songs', songs, chunkSize);
      artists = [];
      songs = [];
    }
  }
  return refs;
}
