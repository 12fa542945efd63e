/**
 * Randomness helpers. Every random choice goes through a seeded Faker instance, never Math.random, so
 * the same seed, scale and anchor date reproduce the same rows byte for byte.
 */
import { base, en, Faker } from '@faker-js/faker';

/**
 * Each generation phase reads its own stream (seeded with [seed, phase]): a change to how venues are
 * generated then leaves the artists and users of a given seed untouched.
 */
export const Phase = { catalog: 1, venues: 2, users: 3, shows: 4, passwords: 5 } as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

export function seededFaker(seed: number, phase: Phase): Faker {
  // A private instance, not the shared `faker` singleton: nothing else in the process can advance it.
  const faker = new Faker({ locale: [en, base] });
  faker.seed([seed, phase]);
  return faker;
}

/**
 * A bijection on 32-bit integers (xor, xorshift and odd multiplications are each invertible), so
 * distinct indexes map to distinct, random-looking codes: external ids that are unique by construction
 * without remembering the ones already issued.
 */
export function permute32(index: number, salt: number): number {
  let x = (index ^ salt) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Fixed width, so that distinct numbers give distinct strings (6 digits hold any 32-bit value). */
export function toBase62(value: number, width: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < width; i++) {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out;
}

export function base62Random(faker: Faker, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[faker.number.int(61)];
  return out;
}

/** Picks indexes in proportion to their weights (cumulative sums and a binary search). */
export class WeightedPicker {
  private readonly cumulative: Float64Array;

  constructor(weights: ArrayLike<number>) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    for (let i = 0; i < weights.length; i++) {
      sum += weights[i]!;
      this.cumulative[i] = sum;
    }
  }

  pick(faker: Faker): number {
    const target = faker.number.float() * this.cumulative[this.cumulative.length - 1]!;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** `count` distinct integers from [0, size), in the order drawn. */
export function sampleDistinct(faker: Faker, size: number, count: number): number[] {
  const k = Math.min(count, size);
  if (k * 2 > size) {
    // Dense case: a partial Fisher-Yates shuffle, since rejection sampling would spin.
    const all = Array.from({ length: size }, (_, i) => i);
    for (let i = 0; i < k; i++) {
      const j = i + faker.number.int(size - 1 - i);
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return all.slice(0, k);
  }
  const seen = new Set<number>();
  const out: number[] = [];
  while (out.length < k) {
    const v = faker.number.int(size - 1);
    if (!seen.has(v)) {
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}

/** `count` distinct picks from a weighted population, rejecting repeats (count is small next to size). */
export function sampleDistinctWeighted(
  faker: Faker,
  picker: Pick<WeightedPicker, 'pick'>,
  size: number,
  count: number,
): number[] {
  const k = Math.min(count, size);
  const seen = new Set<number>();
  const out: number[] = [];
  for (let attempts = 0; out.length < k; attempts++) {
    // With heavily skewed weights rejection could stall; fall back to uniform picks after a while.
    const v = attempts < 50 * k ? picker.pick(faker) : faker.number.int(size - 1);
    if (!seen.has(v)) {
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}

/**
 * Weighted sampling without replacement (Efraimidis-Spirakis): each item draws key u^(1/w) and the
 * `count` largest keys win, so heavier items are both likelier to be chosen and to come first.
 */
export function weightedSampleWithoutReplacement(faker: Faker, weights: readonly number[], count: number): number[] {
  const keyed = weights.map((w, i) => ({ i, key: faker.number.float() ** (1 / w) }));
  keyed.sort((a, b) => b.key - a.key || a.i - b.i);
  return keyed.slice(0, Math.min(count, weights.length)).map((k) => k.i);
}
