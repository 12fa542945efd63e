/**
 * The provider rate limits across consumer batches: two artist imports go through the real imports queue, whose
 * steps call the fixture providers (test/fixtures/providers) through the ProviderRateLimiter Durable Objects; the
 * fixture server's log of calls, with their times, must stay inside each provider's token bucket.
 * (workers/api/test/imports.test.ts drives the same imports through POST /v1/admin/imports.)
 */
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { imports } from '#shared/db/schema';
import type { ImportCreate, ImportStep } from '#shared/schemas/ingest';
import { fixtureControl } from '../../../test/fixtures/providers/control';
import type { FixtureCall } from '../../../test/fixtures/providers/handler';
import { FIXTURE_ARTIST } from '../../../test/fixtures/providers/in-memory';
import { eventually, testDb } from '../../../test/support/database';
import { createImport } from '../src/ingest/import-steps';
import { PROVIDER_LIMITS, type Provider } from '../src/ingest/rate-limit';

const fixtures = fixtureControl(inject('providerFixturesUrl'));

/** Queues an import's first step, as POST /v1/admin/imports does, and waits until the consumer has finished it. */
async function importThroughQueue(request: ImportCreate): Promise<string> {
  const db = testDb();
  const row = await createImport(db, request, null);
  const step: ImportStep = { v: 1, step: 'artist', importId: row.id };
  await env.IMPORTS.send(step);
  return eventually(
    async () => {
      const [current] = await db.select().from(imports).where(eq(imports.id, row.id));
      return current?.status === 'done' || current?.status === 'failed' ? current.status : undefined;
    },
    30_000,
    200,
  );
}

const providerOf = (call: FixtureCall): Provider =>
  call.path.startsWith('/spotify') ? 'spotify' : call.path.startsWith('/ticketmaster') ? 'ticketmaster' : 'setlistfm';

/** Calls in any window of time never exceed the bucket: capacity + rate × window (plus one for clock granularity). */
function expectWithinBucket(list: FixtureCall[], provider: Provider) {
  const { ratePerSecond, capacity } = PROVIDER_LIMITS[provider];
  const times = list.filter((c) => providerOf(c) === provider).map((c) => c.at);
  for (let i = 0; i < times.length; i++)
    for (let j = i + 1; j < times.length; j++) {
      const allowed = capacity + (ratePerSecond * (times[j]! - times[i]!)) / 1000 + 1;
      expect(j - i + 1, `${provider}: ${j - i + 1} calls within ${times[j]! - times[i]!} ms`).toBeLessThanOrEqual(
        allowed,
      );
    }
  return times;
}

describe('provider rate limits', () => {
  beforeAll(async () => {
    await fixtures.reset();
    expect(await importThroughQueue({ artistName: FIXTURE_ARTIST.name })).toBe('done');
    expect(await importThroughQueue({ spotifyId: FIXTURE_ARTIST.spotifyId })).toBe('done');
  }, 60_000);

  it('spaces provider calls by each provider’s token bucket, across consumer batches', async () => {
    const list = await fixtures.calls();
    const spotify = expectWithinBucket(list, 'spotify');
    expectWithinBucket(list, 'ticketmaster');
    // Two imports made enough Spotify calls to exhaust the burst: the spacing was exercised, not just allowed.
    expect(spotify.length).toBeGreaterThan(PROVIDER_LIMITS.spotify.capacity + 3);
    const span = spotify.at(-1)! - spotify[0]!;
    expect(span).toBeGreaterThanOrEqual(
      ((spotify.length - PROVIDER_LIMITS.spotify.capacity - 1) / PROVIDER_LIMITS.spotify.ratePerSecond) * 1000 - 50,
    );
  });
});
