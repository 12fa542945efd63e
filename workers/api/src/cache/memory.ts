import { LRUCache } from 'lru-cache';

/**
 * L1: a small in-isolate LRU of anonymous GET answers, in front of the Cache API (L2). It holds the bytes, status
 * and headers of an answer (never a Response, whose body can be read once), the catalogue generation the answer
 * was rendered under, when it was rendered, and its ETag. Entries expire when they stop being fresh; the
 * response-cache middleware also checks freshness and the generation itself on every read.
 *
 * Bounded twice: by entries and by bytes (body plus headers), so a few large artist pages cannot crowd an
 * isolate's 128 MB. `lru-cache` (isaacs) runs unchanged in workerd; it is configured so that it never starts a
 * timer (`ttlResolution: 0`, no autopurge: workerd ties timers to the request that set them) and reads the
 * clock through Date.now(), which in Workers advances with I/O like performance.now().
 */
export interface MemoryEntry {
  /** The catalogue generation (cache/generation.ts) the answer was rendered under. */
  generation: string;
  /** When the answer was rendered (ms since epoch): the same instant as the L2 copy's. */
  storedAt: number;
  status: number;
  headers: [string, string][];
  body: Uint8Array;
  etag: string;
}

export const MEMORY_MAX_ENTRIES = 500;
export const MEMORY_MAX_BYTES = 8 * 1024 * 1024;
/** An answer larger than this is only kept in L2. */
export const MEMORY_MAX_ENTRY_BYTES = 1024 * 1024;

const sizeOf = (entry: MemoryEntry) =>
  entry.body.byteLength + entry.headers.reduce((n, [name, value]) => n + name.length + value.length, 64);

function createMemoryCache() {
  return new LRUCache<string, MemoryEntry>({
    max: MEMORY_MAX_ENTRIES,
    maxSize: MEMORY_MAX_BYTES,
    maxEntrySize: MEMORY_MAX_ENTRY_BYTES,
    sizeCalculation: sizeOf,
    ttlResolution: 0,
    perf: { now: () => Date.now() },
  });
}

let memory = createMemoryCache();
/** The last generation seen by this isolate: when it changes, every entry is of an older one. */
let lastGeneration: string | undefined;

export const memoryCache = {
  get(key: string, generation: string): MemoryEntry | undefined {
    if (generation !== lastGeneration) {
      memory.clear();
      lastGeneration = generation;
      return undefined;
    }
    const entry = memory.get(key);
    return entry?.generation === generation ? entry : undefined;
  },
  /** Keeps `entry` for `ttlMs` at most (its remaining freshness). */
  set(key: string, entry: MemoryEntry, ttlMs: number): void {
    if (ttlMs < 1 || entry.generation !== lastGeneration) return;
    memory.set(key, entry, { ttl: Math.ceil(ttlMs) });
  },
  get size(): number {
    return memory.size;
  },
  get bytes(): number {
    return memory.calculatedSize;
  },
};

/** Empties this isolate's L1 (tests: to reach L2 as another isolate would; invalidation: the old generation). */
export function clearMemoryCache(): void {
  memory = createMemoryCache();
  lastGeneration = undefined;
}
