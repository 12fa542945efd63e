/**
 * npm run ml:refresh [-- --job similarity|forecasts|all] [--database-url URL]   (default: all, $DATABASE_URL)
 *
 * Runs the api worker's ML cron jobs once against a Postgres database and prints how long each took: the hourly
 * artist similarity refresh (workers/api/src/recommend/similarity.ts) and the 10-minute show forecasts
 * (workers/api/src/forecast/refresh.ts). To fill the tables of a freshly seeded database (e.g. before the demo), or
 * to measure the jobs at scale.
 */
import { parseArgs } from 'node:util';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { refreshForecasts } from '../../workers/api/src/forecast/refresh';
import { refreshArtistSimilarity } from '../../workers/api/src/recommend/similarity';

const { values } = parseArgs({
  options: { 'database-url': { type: 'string' }, job: { type: 'string', default: 'all' } },
});
const url = values['database-url'] ?? process.env.DATABASE_URL;
const job = values.job;
if (!url || !['similarity', 'forecasts', 'all'].includes(job)) {
  console.error(
    'usage: npm run ml:refresh -- [--job similarity|forecasts|all] --database-url URL (or set DATABASE_URL)',
  );
  process.exit(1);
}
const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  const db = drizzle({ client });
  console.log(`command: npm run ml:refresh -- --job ${job} --database-url ${url.replace(/\/\/[^@]*@/, '//…@')}`);
  if (job !== 'forecasts') {
    const result = await refreshArtistSimilarity(db);
    console.log(
      `artist_similarity: ${result.rows.toLocaleString('en-US')} rows written, ${result.removed} removed, ${(result.elapsedMs / 1000).toFixed(1)} s`,
    );
  }
  if (job !== 'similarity') {
    const started = Date.now();
    const result = await refreshForecasts(db);
    console.log(
      `show_forecasts: ${result.forecasts.toLocaleString('en-US')} shows forecast (${result.modelVersion}), ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }
} finally {
  await client.end();
}
