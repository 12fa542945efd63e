/**
 * The catalogue generation: one opaque value (a random UUID) that every cached answer is tagged with when it is
 * rendered. An answer is fresh only while its tag equals the current generation; a catalogue write replaces the
 * generation, so every copy rendered before it, in L1 (every isolate's memory) and L2 (the Cache API), stops
 * being served at once, without having to find and delete them (the Cache API has no wildcard purge).
 *
 * Why one global generation rather than one per artist/show/venue: an answer depends on more entities than its
 * URL names (an artist page lists shows and their venues, the show lists and trending pages join all three), so
 * per-entity versions would need a dependency map per URL and several lookups per request. Catalogue writes are
 * rare (admins and moderators), so dropping every cached answer on each costs one miss per URL afterwards.
 *
 * Where it lives: in the Cache API itself, at `<origin>/__response-cache/generation`, so it is shared by every
 * isolate of a Cloudflare location, exactly like the L2 copies it guards (a per-isolate counter would leave the
 * other isolates and L2 serving old copies). The Cache API is per location: a write made in one location does
 * not reach the others' generation, whose copies stay fresh until RESPONSE_CACHE_FRESH_SECONDS runs out (the
 * bound this cache had before; see README, Resilience). A Durable Object would be global, but reading it on
 * every anonymous GET would put one object in front of all reads.
 *
 * Values are compared for equality only, never ordered: when the entry is missing (never written, evicted, or on
 * workers.dev, where the Cache API keeps nothing) a new random one is made, which no existing copy carries, so a
 * lost generation can only cause misses, never bring back an older answer.
 */
export const GENERATION_PATH = '/__response-cache/generation';
/** How long the Cache API keeps the generation entry; it is read on every anonymous GET, so it stays hot anyway. */
const GENERATION_TTL_SECONDS = 30 * 86_400;

const generationKey = (origin: string) => new Request(`${origin}${GENERATION_PATH}`, { method: 'GET' });

function generationResponse(generation: string): Response {
  return new Response(generation, {
    headers: { 'Content-Type': 'text/plain', 'Cache-Control': `public, max-age=${GENERATION_TTL_SECONDS}` },
  });
}

/**
 * The current generation of `origin`'s cached answers. When there is none, a new one is made and returned, with
 * the write of it (to hand to waitUntil) in `pending`.
 */
export async function readGeneration(
  cache: Cache,
  origin: string,
): Promise<{ generation: string; pending?: Promise<void> }> {
  const stored = await cache.match(generationKey(origin));
  const generation = stored ? (await stored.text()).trim() : '';
  if (generation) return { generation };
  const created = crypto.randomUUID();
  return { generation: created, pending: cache.put(generationKey(origin), generationResponse(created)) };
}

/** Replaces the generation of `origin`: every answer cached before now is no longer fresh. */
export async function bumpGeneration(cache: Cache, origin: string): Promise<string> {
  const generation = crypto.randomUUID();
  await cache.put(generationKey(origin), generationResponse(generation));
  return generation;
}
