/**
 * Writes generated batches through any Postgres session: one `INSERT ... SELECT FROM unnest(...)` per
 * batch, with one array parameter per column. Compared with multi-row VALUES this keeps the statement
 * text constant and tiny (no 65,535-parameter limit, cheap to parse) whatever the batch size.
 */
import type { SeedBatch, SeedTable } from './rows';

/**
 * The one thing the seeder needs from a database client. Satisfied as-is by PGlite (`pglite.query`) and
 * by node-postgres `Client` / `PoolClient`. It must be ONE session: the seed runs in a transaction, so a
 * `pg.Pool` (which may send each query on a different connection) will not do.
 */
export interface SqlExecutor {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** Rows of a SELECT, from the `{ rows }` result shape that both pg and PGlite return. */
export function resultRows(result: unknown): Record<string, unknown>[] {
  if (result && typeof result === 'object' && 'rows' in result && Array.isArray(result.rows)) {
    return result.rows as Record<string, unknown>[];
  }
  throw new Error('query result has no rows array');
}

interface Column<R> {
  name: string;
  /** Element type of the array parameter. */
  type: string;
  value(row: R): unknown;
  /** Expression over the unnest alias `t`, when the stored value is not the parameter itself. */
  expr?: string;
}

type RowOf<T extends SeedTable> = Extract<SeedBatch, { table: T }>['rows'][number];
type Spec = { [T in SeedTable]: Column<RowOf<T>>[] };

const SPEC: Spec = {
  artists: [
    { name: 'id', type: 'uuid', value: (r) => r.id },
    { name: 'slug', type: 'text', value: (r) => r.slug },
    { name: 'name', type: 'text', value: (r) => r.name },
    { name: 'spotify_id', type: 'text', value: (r) => r.spotifyId },
    { name: 'ticketmaster_id', type: 'text', value: (r) => r.ticketmasterId },
    { name: 'musicbrainz_id', type: 'text', value: (r) => r.musicbrainzId },
    // unnest cannot yield arrays (it flattens a 2-D array), so genres travel as one joined string each.
    { name: 'genres', type: 'text', value: (r) => r.genres.join('|'), expr: "string_to_array(t.genres, '|')" },
    { name: 'popularity', type: 'int4', value: (r) => r.popularity },
    { name: 'image_url', type: 'text', value: (r) => r.imageUrl },
    { name: 'created_at', type: 'timestamptz', value: (r) => r.createdAt },
    { name: 'updated_at', type: 'timestamptz', value: (r) => r.updatedAt },
  ],
  songs: [
    { name: 'id', type: 'uuid', value: (r) => r.id },
    { name: 'artist_id', type: 'uuid', value: (r) => r.artistId },
    { name: 'title', type: 'text', value: (r) => r.title },
    { name: 'album', type: 'text', value: (r) => r.album },
    { name: 'duration_ms', type: 'int4', value: (r) => r.durationMs },
    { name: 'spotify_id', type: 'text', value: (r) => r.spotifyId },
    { name: 'isrc', type: 'text', value: (r) => r.isrc },
    { name: 'created_at', type: 'timestamptz', value: (r) => r.createdAt },
  ],
  venues: [
    { name: 'id', type: 'uuid', value: (r) => r.id },
    { name: 'slug', type: 'text', value: (r) => r.slug },
    { name: 'name', type: 'text', value: (r) => r.name },
    { name: 'city', type: 'text', value: (r) => r.city },
    { name: 'country', type: 'text', value: (r) => r.country },
    { name: 'time_zone', type: 'text', value: (r) => r.timeZone },
    { name: 'latitude', type: 'float8', value: (r) => r.latitude },
    { name: 'longitude', type: 'float8', value: (r) => r.longitude },
    { name: 'capacity', type: 'int4', value: (r) => r.capacity },
    { name: 'ticketmaster_id', type: 'text', value: (r) => r.ticketmasterId },
    { name: 'created_at', type: 'timestamptz', value: (r) => r.createdAt },
  ],
  users: [
    { name: 'id', type: 'uuid', value: (r) => r.id },
    { name: 'email', type: 'text', value: (r) => r.email },
    { name: 'password_hash', type: 'text', value: (r) => r.passwordHash },
    { name: 'display_name', type: 'text', value: (r) => r.displayName },
    // Enums travel as text[]: PGlite cannot serialise an array of a custom type it has no oid for.
    { name: 'role', type: 'text', value: (r) => r.role, expr: 't.role::user_role' },
    { name: 'created_at', type: 'timestamptz', value: (r) => r.createdAt },
    { name: 'updated_at', type: 'timestamptz', value: (r) => r.updatedAt },
  ],
  follows: [
    { name: 'user_id', type: 'uuid', value: (r) => r.userId },
    { name: 'artist_id', type: 'uuid', value: (r) => r.artistId },
    { name: 'created_at', type: 'timestamptz', value: (r) => r.createdAt },
  ],
  shows: [
    { name: 'id', type: 'uuid', value: (r) => r.id },
    { name: 'slug', type: 'text', value: (r) => r.slug },
    { name: 'artist_id', type: 'uuid', value: (r) => r.artistId },
    { name: 'venue_id', type: 'uuid', value: (r) => r.venueId },
    { name: 'starts_at', type: 'timestamptz', value: (r) => r.startsAt },
    { name: 'status', type: 'text', value: (r) => r.status, expr: 't.status::show_status' },
    { name: 'voting_opens_at', type: 'timestamptz', value: (r) => r.votingOpensAt },
    { name: 'voting_closes_at', type: 'timestamptz', value: (r) => r.votingClosesAt },
    { name: 'ticketmaster_id', type: 'text', value: (r) => r.ticketmasterId },
    { name: 'setlistfm_id', type: 'text', value: (r) => r.setlistfmId },
    { name: 'created_at', type: 'timestamptz', value: (r) => r.createdAt },
    { name: 'updated_at', type: 'timestamptz', value: (r) => r.updatedAt },
  ],
  setlist_songs: [
    { name: 'id', type: 'uuid', value: (r) => r.id },
    { name: 'show_id', type: 'uuid', value: (r) => r.showId },
    { name: 'song_id', type: 'uuid', value: (r) => r.songId },
    { name: 'added_by', type: 'uuid', value: (r) => r.addedBy },
    { name: 'vote_count', type: 'int4', value: (r) => r.voteCount },
    { name: 'created_at', type: 'timestamptz', value: (r) => r.createdAt },
  ],
  votes: [
    { name: 'id', type: 'uuid', value: (r) => r.id },
    { name: 'user_id', type: 'uuid', value: (r) => r.userId },
    { name: 'setlist_song_id', type: 'uuid', value: (r) => r.setlistSongId },
    { name: 'show_id', type: 'uuid', value: (r) => r.showId },
    { name: 'active', type: 'bool', value: (r) => r.active },
    { name: 'room_seq', type: 'int8', value: (r) => r.roomSeq },
    { name: 'created_at', type: 'timestamptz', value: (r) => r.createdAt },
    { name: 'updated_at', type: 'timestamptz', value: (r) => r.updatedAt },
  ],
};

function insertSql(table: SeedTable, columns: readonly Column<never>[]): string {
  const names = columns.map((c) => c.name).join(', ');
  const selects = columns.map((c) => c.expr ?? `t.${c.name}`).join(', ');
  const arrays = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  return `INSERT INTO ${table} (${names}) SELECT ${selects} FROM unnest(${arrays}) AS t(${names})`;
}

const SQL = Object.fromEntries(
  (Object.keys(SPEC) as SeedTable[]).map((table) => [table, insertSql(table, SPEC[table] as Column<never>[])]),
) as Record<SeedTable, string>;

export async function insertBatch(db: SqlExecutor, batch: SeedBatch): Promise<void> {
  if (batch.rows.length === 0) return;
  const columns = SPEC[batch.table] as Column<(typeof batch.rows)[number]>[];
  const rows = batch.rows as (typeof batch.rows)[number][];
  // Column-major: one JS array per column, which the driver sends as one Postgres array literal.
  const params = columns.map((c) => rows.map((r) => c.value(r)));
  await db.query(SQL[batch.table], params);
}

/** Every table the seed writes, plus sessions (which hold the seeded users' log-ins). */
export const DOMAIN_TABLES = [
  'votes',
  'setlist_songs',
  'shows',
  'follows',
  'songs',
  'venues',
  'artists',
  'sessions',
  'users',
] as const;
