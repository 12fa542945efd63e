/**
 * npm run ml:refresh-similarity [-- --database-url URL]   (default $DATABASE_URL)
 *
 * Runs the hourly cron's artist similarity refresh (src/shared/recommend/similarity.ts) once against a Postgres
 * database and prints its timing: to fill artist_similarity on a freshly seeded database (e.g. the scale
 * database before `npm run db:explain`), or to measure the refresh.
 */
import { parseArgs } from 'node:util';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { refreshArtistSimilarity } from '../../src/shared/recommend/similarity';

const { values } = parseArgs({ options: { 'database-url': { type: 'string' } } });
const url = values['database-url'] ?? process.env.DATABASE_URL;
if (!url) {
  console.error('usage: npm run ml:refresh-similarity -- --database-url URL (or set DATABASE_URL)');
  process.exit(1);
}
const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  const result = await refreshArtistSimilarity(drizzle({ client }));
  console.log(`artist_similarity refreshed: ${result.rows.toLocaleString('en-US')} rows written, ${result.removed} removed, ${(result.elapsedMs / 1000).toFixed(1)} s`);
  console.log(`command: npm run ml:refresh-similarity -- --database-url ${url.replace(/\/\/[^@]*@/, '//…@')}`);
} finally {
  await client.end();
}
