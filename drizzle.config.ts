import { defineConfig } from 'drizzle-kit';

/** `npm run db:generate` diffs src/shared/db/schema.ts against migrations/ and writes the next SQL file. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/shared/db/schema.ts',
  out: './migrations',
  strict: true,
  verbose: true,
});
