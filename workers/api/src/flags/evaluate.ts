import { fnv1a32 } from '#shared/hash';
import type { FlagKey, FlagRule } from './registry';

/**
 * Whether a subject gets a flag. The same (flag, subject) always lands in the same bucket, so raising the
 * percentage only adds subjects and a fan never flips back and forth between two behaviours.
 */
export function flagOn(key: FlagKey, rule: FlagRule, subject: { userId?: string | null; id: string }): boolean {
  if (!rule.enabled) return false;
  if (subject.userId && rule.userIds.includes(subject.userId)) return true;
  return bucketOf(`${key}:${subject.id}`) < rule.percentage;
}

/** 0–99 from a 32-bit FNV-1a hash: cheap, synchronous and stable across isolates and deploys. */
export function bucketOf(text: string): number {
  return fnv1a32(text) % 100;
}
