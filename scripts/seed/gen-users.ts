/**
 * Users (the three demo accounts first, then generated fans) and the artists each follows.
 * Returns the user ids, which votes and setlist additions draw from.
 */
import type { Faker } from '@faker-js/faker';
import { DEMO_ACCOUNTS, type PasswordHashes } from './accounts';
import type { ArtistRef } from './gen-catalog';
import { permute32, sampleDistinctWeighted, WeightedPicker } from './random';
import { type FollowRow, inChunks, type SeedBatch, type UserRow } from './rows';
import { DAY_MS, isoTimestamp } from './time';
import { GENRES } from './words';

export interface UserOptions {
  faker: Faker;
  /** All users, the demo accounts included. */
  count: number;
  nowMs: number;
  chunkSize: number;
  passwords: PasswordHashes;
  artists: readonly ArtistRef[];
}

const DOMAINS = ['example.com', 'example.net', 'example.org'] as const;

const emailPart = (s: string) =>
  s
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

function makeUser(f: Faker, index: number, nowMs: number, passwords: PasswordHashes): UserRow {
  const demo = DEMO_ACCOUNTS[index];
  const id = f.string.uuid();
  if (demo) {
    const createdAt = isoTimestamp(nowMs - (400 + 150 * index) * DAY_MS);
    return {
      id,
      email: demo.email,
      passwordHash: passwords.demo[index]!,
      displayName: demo.displayName,
      role: demo.role,
      createdAt,
      updatedAt: createdAt,
    };
  }
  const firstName = f.person.firstName();
  const lastName = f.person.lastName();
  const createdMs = nowMs - f.number.int({ min: DAY_MS, max: 730 * DAY_MS });
  return {
    id,
    // The index makes the address unique by construction; example.* domains can never deliver mail.
    email: `${emailPart(firstName)}.${emailPart(lastName)}${index}@${f.helpers.arrayElement(DOMAINS)}`,
    passwordHash: passwords.shared,
    displayName: f.number.float() < 0.65 ? `${firstName} ${lastName}` : f.internet.username({ firstName, lastName }),
    role: 'fan',
    createdAt: isoTimestamp(createdMs),
    updatedAt: isoTimestamp(createdMs + f.number.float() * (nowMs - createdMs)),
  };
}

/*
 * Taste: what makes "fans who follow X also follow Y" true of the demo data (recommendations, similar artists,
 * docs/ml.md). Without it follows would only reflect popularity, and collaborative filtering could not beat a
 * popularity list. Each artist belongs to one hidden "scene" (a circle of artists the same fans go to, which no
 * label records); each fan has a favourite scene and a favourite genre. A follow is drawn from the fan's scene
 * (SCENE_SHARE), from their genre (GENRE_SHARE), or from everyone, each in proportion to popularity. Scenes are
 * what only co-following reveals: genres are on the artist pages, scenes are not.
 */
const SCENE_SHARE = 0.45;
const GENRE_SHARE = 0.2;
const SCENE_SALT = 0x5ce7e;

/** About √(artists) scenes of about √(artists) artists each. */
export function sceneOf(artistIndex: number, artistCount: number): number {
  return permute32(artistIndex, SCENE_SALT) % Math.max(1, Math.round(Math.sqrt(artistCount)));
}

/** Picks an artist index for one fan: from their scene, their genre or everyone (see above). */
class TastePicker {
  constructor(
    private readonly scene: { picker: WeightedPicker; members: number[] },
    private readonly genre: { picker: WeightedPicker; members: number[] } | undefined,
    private readonly everyone: WeightedPicker,
  ) {}

  pick(f: Faker): number {
    const u = f.number.float();
    if (u < SCENE_SHARE && this.scene.members.length) return this.scene.members[this.scene.picker.pick(f)]!;
    if (u < SCENE_SHARE + GENRE_SHARE && this.genre?.members.length)
      return this.genre.members[this.genre.picker.pick(f)]!;
    return this.everyone.pick(f);
  }
}

function groupPickers(keys: readonly (string | number)[][], weights: readonly number[]) {
  const members = new Map<string | number, number[]>();
  for (const [i, ks] of keys.entries()) for (const k of ks) members.set(k, [...(members.get(k) ?? []), i]);
  return new Map(
    [...members].map(([k, m]) => [k, { members: m, picker: new WeightedPicker(m.map((i) => weights[i]!)) }]),
  );
}

export interface GeneratedUsers {
  ids: string[];
  /** For each artist (by index), the indexes of the users following it: show voters are drawn from them. */
  followersByArtist: number[][];
}

export function* generateUsers(options: UserOptions): Generator<SeedBatch, GeneratedUsers> {
  const { faker: f, count, nowMs, chunkSize, passwords, artists } = options;
  // Fans follow popular artists more often, and artists of their scene and genre far more often.
  const popularity = artists.map((a) => 1 + a.popularity / 10);
  const sceneCount = Math.max(1, Math.round(Math.sqrt(artists.length)));
  const byScene = groupPickers(
    artists.map((_, i) => [sceneOf(i, artists.length)]),
    popularity,
  );
  const byGenre = groupPickers(
    artists.map((a) => [...a.genres]),
    popularity,
  );
  const everyone = new WeightedPicker(popularity);
  const followersByArtist: number[][] = artists.map(() => []);
  const ids: string[] = [];
  let users: UserRow[] = [];
  let follows: FollowRow[] = [];
  for (let i = 0; i < count; i++) {
    const user = makeUser(f, i, nowMs, passwords);
    users.push(user);
    ids.push(user.id);
    // The demo fan follows the most artists allowed, so the demo's "my artists" page is full.
    const followCount = i === 0 ? 10 : f.number.int({ min: 1, max: 10 });
    const createdMs = Date.parse(user.createdAt);
    const scene = byScene.get(f.number.int(sceneCount - 1)) ?? { members: [], picker: everyone };
    const artistPicker = new TastePicker(scene, byGenre.get(f.helpers.arrayElement(GENRES)), everyone);
    for (const a of sampleDistinctWeighted(f, artistPicker, artists.length, followCount)) {
      followersByArtist[a]!.push(i);
      follows.push({
        userId: user.id,
        artistId: artists[a]!.id,
        createdAt: isoTimestamp(createdMs + f.number.float() * (nowMs - createdMs)),
      });
    }
    if (users.length >= chunkSize || i === count - 1) {
      yield { table: 'users', rows: users };
      yield* inChunks<Extract<SeedBatch, { table: 'follows' }>>('follows', follows, chunkSize);
      users = [];
      follows = [];
    }
  }
  return { ids, followersByArtist };
}
