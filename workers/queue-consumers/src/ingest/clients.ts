/** Builds the three provider clients over one set of HTTP dependencies. */
import type { Logger } from '#shared/log';
import { providerBreaker } from './breaker';
import type { ProviderConfig } from './config';
import type { FetchLike, HttpDeps } from './http';
import { type RateLimiter, realSleep, type Sleep } from './rate-limit';
import { SetlistfmClient } from './setlistfm';
import { SpotifyClient } from './spotify';
import { TicketmasterClient } from './ticketmaster';

export interface ClientOptions {
  fetch: FetchLike;
  limiter: RateLimiter;
  log?: Logger;
  sleep?: Sleep;
  breakerCooldownMs?: number;
  overrides?: Partial<HttpDeps>;
}

export function providerClients(config: ProviderConfig, options: ClientOptions) {
  const deps: HttpDeps = {
    fetch: options.fetch,
    limiter: options.limiter,
    sleep: options.sleep ?? realSleep,
    breakerFor: (provider) => providerBreaker(provider, options.breakerCooldownMs),
    ...(options.log ? { log: options.log } : {}),
    ...options.overrides,
  };
  return {
    spotify: new SpotifyClient(config.spotify, deps),
    ticketmaster: new TicketmasterClient(config.ticketmaster, deps),
    setlistfm: new SetlistfmClient(config.setlistfm, deps),
  };
}
