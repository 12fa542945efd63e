/**
 * npm run ingest -- --artist "Name"          import an artist from Spotify, Ticketmaster and setlist.fm
 * npm run ingest -- --spotify-id 4Z8W4fKeB5…  the same, by Spotify artist id
 * npm run ingest -- … --setlists             then look for the actual setlists of recently finished shows
 * npm run ingest -- --artist "The Paper Lanterns" --fixtures
 *                                            the same code against the recorded responses (test/fixtures/providers),
 *                                            into a fresh in-memory database: no secrets, no network
 *
 * Runs the very steps the imports queue runs (workers/queue-consumers/src/ingest), in this process, one after another, with
 * the same token buckets (in memory here) and circuit breakers. Secrets come from the environment:
 * SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET, TICKETMASTER_API_KEY, SETLISTFM_API_KEY. The database is
 * DATABASE_URL, or the local embedded one (.data/pglite, the one `npm run dev` uses; stop dev first).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { eq } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import * as schema from '#shared/db/schema';
import { createLogger } from '#shared/log';
import type { ImportCreate, ImportProgress, ImportStep } from '#shared/schemas/ingest';
import { fixtureProviderVars, startFixtureServer } from '../test/fixtures/providers/server';
import { providerClients } from '../workers/queue-consumers/src/ingest/clients';
import { missingSecrets, type ProviderEnv, providerConfig } from '../workers/queue-consumers/src/ingest/config';
import type { IngestContext, IngestDb } from '../workers/queue-consumers/src/ingest/context';
import { createImport } from '../workers/queue-consumers/src/ingest/import-steps';
import { InMemoryRateLimiter } from '../workers/queue-consumers/src/ingest/rate-limit';
import { failureAction, runImportStep } from '../workers/queue-consumers/src/ingest/run-step';
import { runSetlistStep, showsAwaitingSetlists } from '../workers/queue-consumers/src/ingest/setlist-step';
import { applyMigrations } from './db/migrate';
import { openPglite } from './db/pglite';

const { values } = parseArgs({
  options: {
    artist: { type: 'string' },
    'spotify-id': { type: 'string' },
    fixtures: { type: 'boolean', default: false },
    setlists: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

async function openDb(inMemory: boolean): Promise<{ db: IngestDb; where: string; close(): Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    await applyMigrations(pool);
    return { db: drizzleNodePg({ client: pool, schema }), where: 'DATABASE_URL', close: () => pool.end() };
  }
  const dir = inMemory
    ? undefined
    : resolve(import.meta.dirname, '..', process.env.MYSETLIST_DATA_DIR ?? '.data', 'pglite');
  const pglite = await openPglite(dir);
  await applyMigrations(pglite);
  return {
    db: drizzlePglite({ client: pglite, schema }),
    where: dir ?? 'a fresh in-memory database',
    close: () => pglite.close(),
  };
}

function describeProgress(step: ImportStep, p: ImportProgress): string {
  switch (step.step) {
    case 'artist':
      return `artist: ${p.artist?.name} (Spotify ${p.artist?.spotifyId}, Ticketmaster ${p.artist?.ticketmasterId ?? '—'}, MusicBrainz ${p.artist?.musicbrainzId ?? '—'})${p.artist?.created ? ', new' : ''}`;
    case 'catalog':
      return `songs, discography page ${p.catalog?.pages}: ${p.catalog?.inserted} new, ${p.catalog?.updated} updated, ${p.catalog?.unchanged} unchanged so far${p.catalog?.done ? ' — done' : ''}`;
    case 'shows':
      return `shows, events page ${p.shows?.pages}: ${p.shows?.inserted} new, ${p.shows?.updated} updated, ${p.shows?.unchanged} unchanged, ${p.shows?.venuesInserted} new venues so far${p.shows?.done ? ' — done' : ''}`;
    default:
      return step.step;
  }
}

async function main(): Promise<void> {
  const request: ImportCreate | undefined = values.artist
    ? { artistName: values.artist }
    : values['spotify-id']
      ? { spotifyId: values['spotify-id'] }
      : undefined;
  if (!request) {
    console.error('usage: npm run ingest -- --artist "Name" | --spotify-id ID [--setlists] [--fixtures]');
    process.exit(2);
  }
  let env: ProviderEnv = process.env;
  let fixtures: Awaited<ReturnType<typeof startFixtureServer>> | undefined;
  if (values.fixtures) {
    fixtures = await startFixtureServer();
    env = fixtureProviderVars(fixtures.url);
    console.log(`providers: recorded responses served at ${fixtures.url} (test/fixtures/providers)`);
  } else {
    const missing = missingSecrets(env);
    if (missing.length) {
      console.error(`Cannot import: these secrets are not set: ${missing.join(', ')}.`);
      console.error(
        'Set them in the environment (see secrets.example.env and docs/ingestion.md), or add --fixtures to run against the recorded responses.',
      );
      process.exit(1);
    }
    console.log('providers: Spotify, Ticketmaster and setlist.fm (live)');
  }
  const config = providerConfig(env);
  if (!config.ok) throw new Error(`missing ${config.missing.join(', ')}`);
  const database = await openDb(values.fixtures);
  console.log(`database: ${database.where}`);
  const log = createLogger({ service: 'ingest-cli' }, { level: values.verbose ? 'info' : 'warn' });
  const ctx: IngestContext = {
    db: database.db,
    log,
    ...providerClients(config.config, {
      fetch: (input, init) => fetch(input, init),
      limiter: new InMemoryRateLimiter(),
      log,
    }),
  };
  const started = Date.now();
  let failed = false;
  try {
    const row = await createImport(database.db, request, null);
    console.log(`import ${row.id}: ${JSON.stringify(request)}`);
    const queue: ImportStep[] = [{ v: 1, step: 'artist', importId: row.id }];
    while (queue.length) {
      const step = queue.shift()!;
      try {
        queue.push(...(await runImportStep(ctx, step, { onActualSetlistFinal: async () => {} })));
      } catch (err) {
        const action = failureAction(err);
        console.error(
          `✗ ${step.step}: ${err instanceof Error ? err.message : String(err)}${action.kind === 'fail' ? '' : ' (the queue would retry this step later)'}`,
        );
        failed = true;
        break;
      }
      const [current] = await database.db.select().from(schema.imports).where(eq(schema.imports.id, row.id));
      console.log(`✓ ${describeProgress(step, current!.progress as ImportProgress)}`);
    }
    if (values.setlists && !failed) {
      const showIds = await showsAwaitingSetlists(database.db, new Date());
      console.log(`setlists: ${showIds.length} recently finished show(s) without a final setlist`);
      for (const showId of showIds) {
        const outcome = await runSetlistStep(ctx, showId);
        console.log(
          `  ${showId}: ${outcome.kind}${'songs' in outcome ? ` (${outcome.songs} songs, ${outcome.matched} in the catalogue)` : ''}`,
        );
      }
    }
    console.log(`${failed ? 'stopped' : 'done'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await database.close();
    await fixtures?.close();
  }
  if (failed) process.exit(1);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
