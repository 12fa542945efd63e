/**
 * FNV-1a, 32 bits: a fast, synchronous, non-cryptographic hash that is stable across isolates, deploys and
 * workers (Web Crypto digests are async). For bucketing and fingerprints, never for secrets.
 */
export function fnv1a32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
