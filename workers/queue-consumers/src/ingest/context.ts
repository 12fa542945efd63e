/** What every import step gets: the database, the three provider clients and a logger. */
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Schema } from '#shared/db/client';
import type { Logger } from '#shared/log';
import type { SetlistfmClient } from './setlistfm';
import type { SpotifyClient } from './spotify';
import type { TicketmasterClient } from './ticketmaster';

/** Any drizzle Postgres database with our schema: neon-serverless in the workers, node-postgres or PGlite in the CLI. */
export type IngestDb = PgDatabase<PgQueryResultHKT, Schema>;

export interface IngestContext {
  db: IngestDb;
  spotify: SpotifyClient;
  ticketmaster: TicketmasterClient;
  setlistfm: SetlistfmClient;
  log: Logger;
  now?: () => Date;
  /**
   * Sends the announcements of new shows that a shows step recorded in its transaction (called after the
   * commit; `sendRecordedTrigger` to the NOTIFICATIONS queue in the queue consumer). Without it (the CLI) the
   * recorded announcements wait for the api's notifications cron, which sends every unsent trigger.
   */
  announceShows?: (showIds: string[]) => Promise<void>;
}
