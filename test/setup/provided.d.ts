declare module 'vitest' {
  export interface ProvidedContext {
    /** host:port of the local Neon relay the workers use. */
    relayAddress: string;
    /** The connection string the workers use (the relay dials its own upstream). */
    databaseUrl: string;
    /** The EU database's connection string (per-fan residency); empty when TEST_DATABASE_URL is set. */
    databaseUrlEu: string;
    /** 'pglite' (embedded, default) or 'postgres' (TEST_DATABASE_URL). */
    databaseMode: 'pglite' | 'postgres';
    /** http://127.0.0.1:port of the fixture server standing in for Spotify, Ticketmaster and setlist.fm. */
    providerFixturesUrl: string;
  }
}

export {};
