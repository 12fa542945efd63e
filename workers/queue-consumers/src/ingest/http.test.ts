import { describe, expect, it } from 'vitest';
import {
  FIXTURE_ARTIST,
  fixtureConfig,
  fixtureFetch,
  inMemoryFixtureProviders,
} from '../../../../test/fixtures/providers/in-memory';
import { CockatielProviderBreaker, type ProviderBreaker, ProviderCircuitOpenError } from './breaker';
import { type HttpDeps, ProviderHttpError, ProviderPayloadError, ProviderRetryLaterError } from './http';
import { type Provider, unlimited } from './rate-limit';
import { SetlistfmClient } from './setlistfm';
import { clearSpotifyTokens, SpotifyClient } from './spotify';
import { TicketmasterClient } from './ticketmaster';

function setup(options: { breaker?: ProviderBreaker } = {}) {
  const providers = inMemoryFixtureProviders();
  const slept: number[] = [];
  const breakers = new Map<Provider, ProviderBreaker>();
  const deps: HttpDeps = {
    fetch: fixtureFetch(providers),
    limiter: unlimited,
    sleep: async (ms) => void slept.push(ms),
    breakerFor: (p) =>
      options.breaker ??
      breakers.get(p) ??
      (breakers.set(p, new CockatielProviderBreaker(p, 60_000)), breakers.get(p)!),
  };
  const config = fixtureConfig();
  clearSpotifyTokens();
  return {
    providers,
    slept,
    spotify: new SpotifyClient(config.spotify, deps),
    ticketmaster: new TicketmasterClient(config.ticketmaster, deps),
    setlistfm: new SetlistfmClient(config.setlistfm, deps),
  };
}

const albumsPath = `/spotify/v1/artists/${FIXTURE_ARTIST.spotifyId}/albums`;

describe('provider clients over recorded responses', () => {
  it('follows Spotify and Ticketmaster paging to the last page', async () => {
    const { spotify, ticketmaster } = setup();
    const first = await spotify.albumsPage(FIXTURE_ARTIST.spotifyId, 0);
    expect(first.albums.map((a) => a.name)).toEqual(['Night Harbour', 'Lighthouse']);
    expect(first.nextOffset).toBe(2);
    const last = await spotify.albumsPage(FIXTURE_ARTIST.spotifyId, 2);
    expect(last.nextOffset).toBeNull();
    const events = await ticketmaster.eventsPage(FIXTURE_ARTIST.ticketmasterId, 0);
    expect(events.events).toHaveLength(2);
    expect(events.nextPage).toBe(1);
    expect((await ticketmaster.eventsPage(FIXTURE_ARTIST.ticketmasterId, 1)).nextPage).toBeNull();
  });

  it('reads a setlist.fm search without results (404) as none', async () => {
    const { setlistfm } = setup();
    expect(await setlistfm.setlistsOn(FIXTURE_ARTIST.musicbrainzId, '01-01-2020')).toEqual([]);
  });

  it('waits as long as a 429 Retry-After says, then succeeds', async () => {
    const { spotify, providers, slept } = setup();
    providers.overrides.push({
      path: albumsPath,
      responses: [
        {
          status: 429,
          headers: { 'Retry-After': '3' },
          body: { error: { status: 429, message: 'API rate limit exceeded' } },
        },
      ],
    });
    const page = await spotify.albumsPage(FIXTURE_ARTIST.spotifyId, 0);
    expect(page.albums).toHaveLength(2);
    expect(slept).toEqual([3000]);
    expect(providers.calls.filter((c) => c.path === albumsPath).map((c) => c.status)).toEqual([429, 200]);
  });

  it('backs off exponentially on 5xx without Retry-After', async () => {
    const { ticketmaster, providers, slept } = setup();
    providers.overrides.push({
      path: '/ticketmaster/discovery/v2/events.json',
      responses: [{ status: 502 }, { status: 503 }, { status: 500 }],
    });
    const page = await ticketmaster.eventsPage(FIXTURE_ARTIST.ticketmasterId, 0);
    expect(page.events).toHaveLength(2);
    expect(slept).toEqual([500, 1000, 2000]);
  });

  it('defers the step instead of sleeping when Retry-After is long', async () => {
    const { setlistfm, providers } = setup();
    providers.overrides.push({
      path: '/setlistfm/rest/1.0/search/setlists',
      responses: [{ status: 429, headers: { 'Retry-After': '600' } }],
    });
    const err = await setlistfm.setlistsOn(FIXTURE_ARTIST.musicbrainzId, '20-11-2026').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderRetryLaterError);
    expect((err as ProviderRetryLaterError).retryAfterSeconds).toBe(600);
  });

  it('rejects a malformed payload with the zod issues', async () => {
    const { ticketmaster, providers } = setup();
    // A venue without its time zone and with coordinates that are not numbers.
    const broken = structuredClone(providers.files['ticketmaster/events-page-0.json']) as {
      _embedded: { events: { _embedded: { venues: Record<string, unknown>[] } }[] };
    };
    delete broken._embedded.events[0]!._embedded.venues[0]!.timezone;
    providers.overrides.push({
      path: '/ticketmaster/discovery/v2/events.json',
      responses: [{ status: 200, body: broken }],
    });
    const err = await ticketmaster.eventsPage(FIXTURE_ARTIST.ticketmasterId, 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderPayloadError);
    expect((err as ProviderPayloadError).issues[0]!.path).toBe('_embedded.events.0._embedded.venues.0.timezone');
    providers.overrides.push({
      path: '/ticketmaster/discovery/v2/attractions.json',
      responses: [{ status: 200, raw: '<html>Service Unavailable</html>' }],
    });
    await expect(ticketmaster.searchAttractions('The Paper Lanterns')).rejects.toBeInstanceOf(ProviderPayloadError);
  });

  it('opens the breaker after 5 failed calls in a row: then fails at once without calling, and recovers after the cooldown', async () => {
    const breaker = new CockatielProviderBreaker('ticketmaster', 300);
    const { ticketmaster, providers } = setup({ breaker });
    providers.overrides.push({
      path: '/ticketmaster/discovery/v2/attractions.json',
      responses: [{ status: 503 }],
      repeat: true,
    });
    for (let i = 0; i < 5; i++)
      await expect(ticketmaster.searchAttractions('The Paper Lanterns')).rejects.toBeInstanceOf(ProviderHttpError);
    expect(providers.calls).toHaveLength(5 * 4); // 4 attempts per call
    expect(breaker.state).toBe('open');
    const refused = await ticketmaster.searchAttractions('The Paper Lanterns').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderCircuitOpenError);
    expect(providers.calls).toHaveLength(20); // not called
    // The outage ends; after the cooldown one trial call goes through and closes the circuit.
    providers.overrides = [];
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await ticketmaster.searchAttractions('The Paper Lanterns')).toHaveLength(2);
    expect(breaker.state).toBe('closed');
  });

  it('does not count a bad payload or a 404 against the breaker', async () => {
    const breaker = new CockatielProviderBreaker('spotify', 60_000);
    const { spotify, providers } = setup({ breaker });
    providers.overrides.push({
      path: `/spotify/v1/artists/${FIXTURE_ARTIST.spotifyId}`,
      responses: [{ status: 200, body: { id: 'x' } }],
      repeat: true,
    });
    for (let i = 0; i < 6; i++)
      await expect(spotify.getArtist(FIXTURE_ARTIST.spotifyId)).rejects.toBeInstanceOf(ProviderPayloadError);
    for (let i = 0; i < 6; i++)
      await expect(spotify.getArtist('nobody0000000000000000')).rejects.toBeInstanceOf(ProviderHttpError);
    expect(breaker.state).toBe('closed');
  });

  it('sends the documented credentials: Basic client credentials for the token, Bearer, apikey, x-api-key', async () => {
    const seen: Request[] = [];
    const inner = inMemoryFixtureProviders();
    const deps: HttpDeps = {
      fetch: async (input, init) => {
        seen.push(new Request(input, init));
        return inner.handle(new Request(input, init));
      },
      limiter: unlimited,
      sleep: async () => {},
      breakerFor: (p) => new CockatielProviderBreaker(p),
    };
    clearSpotifyTokens();
    const config = fixtureConfig();
    await new SpotifyClient(config.spotify, deps).getArtist(FIXTURE_ARTIST.spotifyId);
    await new TicketmasterClient(config.ticketmaster, deps).searchAttractions('The Paper Lanterns');
    await new SetlistfmClient(config.setlistfm, deps).searchArtists('The Paper Lanterns');
    expect(seen[0]!.headers.get('authorization')).toBe(`Basic ${btoa('fixture-client-id:fixture-client-secret')}`);
    expect(new TextDecoder().decode(await seen[0]!.arrayBuffer())).toBe('grant_type=client_credentials');
    expect(seen[1]!.headers.get('authorization')).toBe('Bearer BQDfixture-access-token-not-real');
    expect(new URL(seen[2]!.url).searchParams.get('apikey')).toBe('fixture-ticketmaster-key');
    expect(seen[3]!.headers.get('x-api-key')).toBe('fixture-setlistfm-key');
  });
});
