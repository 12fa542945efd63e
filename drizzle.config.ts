import { defineConfig } from 'drizzle-kit';

/**
 * `npm run db:generate` diffs the schema files against migrations/ and writes the next SQL file.
 * Each product area keeps its tables in its own `schema-<area>.ts` so that areas built in parallel do not
 * edit one file; `schema.ts` re-exports them all for the drizzle client.
 */
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/shared/db/schema.ts', './src/shared/db/schema-*.ts'],
  out: './migrations',
  strict: true,
  verbose: true,
});
