/**
 * Opens PGlite with the contrib extensions the migrations create (pg_trgm, unaccent): every Node-side
 * tool that opens the embedded database directly must use this, or CREATE EXTENSION fails.
 */
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';

export function openPglite(dataDir?: string): Promise<PGlite> {
  return PGlite.create({ ...(dataDir ? { dataDir } : {}), extensions: { pg_trgm, unaccent } });
}
