/**
 * Pure, deterministic demo data: the same (seed, scale, now, password hashes) always yields the same
 * batches in the same order. No I/O and no clock: `now` is an input, so a run is reproducible; the CLI
 * passes today's UTC midnight so that shows fall around the day the demo is used.
 *
 * Output is a lazy stream of table chunks in foreign-key order (artists+songs, venues, users+follows,
 * then shows+setlist songs+votes). Only the small reference data (ids of artists, songs, venues, users)
 * is kept in memory; shows, setlist songs and votes exist one chunk at a time.
 */
import { DEMO_ACCOUNTS, type PasswordHashes } from './accounts';
import { generateCatalog } from './gen-catalog';
import { generateShows } from './gen-shows';
import { generateUsers } from './gen-users';
import { generateVenues } from './gen-venues';
import { Phase, seededFaker } from './random';
import type { SeedBatch } from './rows';

export interface GenerateOptions {
  /** Multiplies artists, venues, users and shows (and so setlist songs and votes). Fractions allowed. */
  scale: number;
  seed: number;
  /** The reference instant: what counts as past, today and future. */
  now: Date;
  passwords: PasswordHashes;
  /** Rows per batch; one INSERT statement each. */
  chunkSize?: number;
  /** Exact counts that replace the scale's (see planCounts); absent keys keep `PER_SCALE × scale`. */
  counts?: CountOverrides;
}

/** Entity counts at scale 1 (users: generated fans); at scale s these times s, rounded. */
export const PER_SCALE = { artists: 50, venues: 200, users: 2_000, shows: 1_000 } as const;

export interface SeedPlan {
  artists: number;
  venues: number;
  /** Including the demo accounts. */
  users: number;
  shows: number;
}

export const DEFAULT_CHUNK_SIZE = 5_000;

/**
 * Exact entity counts that override the scale's, e.g. `{ artists: 10_000, shows: 50_000 }` for a catalogue
 * much wider than scale 50 would give. `users` counts generated fans, like PER_SCALE (the demo accounts come
 * on top). Votes and setlist songs follow from the shows (and the artists' popularity), as at any scale.
 * The streams stay deterministic: the same seed, counts and `now` yield the same rows.
 */
export type CountOverrides = Partial<Record<keyof typeof PER_SCALE, number>>;

export function planCounts(scale: number, overrides: CountOverrides = {}): SeedPlan {
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`scale must be a positive number, got ${scale}`);
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1))
      throw new Error(`${key} must be a positive integer, got ${value}`);
  }
  const n = (key: keyof typeof PER_SCALE) => overrides[key] ?? Math.max(1, Math.round(PER_SCALE[key] * scale));
  // The demo accounts come on top of the generated fans.
  const users = n('users') + DEMO_ACCOUNTS.length;
  return { artists: n('artists'), venues: n('venues'), users, shows: n('shows') };
}

export function* generateSeed(options: GenerateOptions): Generator<SeedBatch, void> {
  const plan = planCounts(options.scale, options.counts);
  const nowMs = options.now.getTime();
  if (Number.isNaN(nowMs)) throw new Error('now must be a valid date');
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const { seed } = options;

  const artists = yield* generateCatalog({
    faker: seededFaker(seed, Phase.catalog),
    count: plan.artists,
    nowMs,
    chunkSize,
  });
  const venues = yield* generateVenues({
    faker: seededFaker(seed, Phase.venues),
    count: plan.venues,
    nowMs,
    chunkSize,
  });
  const users = yield* generateUsers({
    faker: seededFaker(seed, Phase.users),
    count: plan.users,
    nowMs,
    chunkSize,
    passwords: options.passwords,
    artists,
  });
  yield* generateShows({
    faker: seededFaker(seed, Phase.shows),
    count: plan.shows,
    nowMs,
    chunkSize,
    artists,
    venues,
    userIds: users.ids,
    followersByArtist: users.followersByArtist,
  });
}
