/**
 * tsx scripts/seed/verify.ts [--now ISO-DATE] [--database-url URL | --pglite DIR]
 *
 * Checks a seeded database: row counts, a checksum per table (equal checksums across two databases mean
 * identical data, which is how determinism is tested), invariants that must hold, and that the demo
 * passwords verify with the production verifier. Prints JSON; exits 1 if an invariant is broken.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { verifyPassword } from '../../workers/api/src/auth/password';
import { DEMO_ACCOUNTS, SHARED_PASSWORD } from './accounts';
import { openTarget } from './connect';
import { resultRows, type SqlExecutor } from './insert';
import { utcMidnight } from './time';

const CHECKSUM_ORDER: Record<string, string> = {
  artists: 'id',
  songs: 'id',
  venues: 'id',
  users: 'id',
  follows: 'user_id, artist_id',
  shows: 'id',
  setlist_songs: 'id',
  votes: 'id',
};

/** Each query counts violations; all must be 0. */
const INVARIANTS: Record<string, string> = {
  voteCountMismatch: `SELECT count(*) FROM setlist_songs s WHERE vote_count <> (SELECT count(*) FROM votes v WHERE v.setlist_song_id = s.id AND v.active)`,
  voteShowMismatch: `SELECT count(*) FROM votes v JOIN setlist_songs s ON s.id = v.setlist_song_id WHERE s.show_id <> v.show_id`,
  setlistSongOfOtherArtist: `SELECT count(*) FROM setlist_songs ss JOIN shows sh ON sh.id = ss.show_id JOIN songs so ON so.id = ss.song_id WHERE so.artist_id <> sh.artist_id`,
  setlistSizeOutside8to25: `SELECT count(*) FROM (SELECT show_id, count(*) n FROM setlist_songs GROUP BY show_id) x WHERE n NOT BETWEEN 8 AND 25`,
  showsWithoutSetlist: `SELECT count(*) FROM shows sh WHERE NOT EXISTS (SELECT 1 FROM setlist_songs s WHERE s.show_id = sh.id)`,
  votingWindowNot30Days: `SELECT count(*) FROM shows WHERE voting_opens_at <> starts_at - interval '30 days' OR voting_closes_at <> starts_at`,
  votesOutsideWindow: `SELECT count(*) FROM votes v JOIN shows sh ON sh.id = v.show_id WHERE v.created_at < sh.voting_opens_at OR v.created_at > sh.voting_closes_at`,
  votesNotActiveOrSeqNot0: `SELECT count(*) FROM votes WHERE NOT active OR room_seq <> 0`,
  followsPerUserOutside1to10: `SELECT count(*) FROM users u WHERE (SELECT count(*) FROM follows f WHERE f.user_id = u.id) NOT BETWEEN 1 AND 10`,
  unknownTimeZones: `SELECT count(*) FROM venues WHERE time_zone NOT IN (SELECT name FROM pg_timezone_names)`,
  badIsrc: `SELECT count(*) FROM songs WHERE isrc !~ '^[A-Z]{2}[A-Z0-9]{3}[0-9]{7}$'`,
  songsPerArtistOutside20to60: `SELECT count(*) FROM (SELECT artist_id, count(*) n FROM songs GROUP BY artist_id) x WHERE n NOT BETWEEN 20 AND 60`,
};

/** Like INVARIANTS, relative to the seed's anchor ($1), which the data itself doesn't record. */
const TIME_INVARIANTS: Record<string, string> = {
  finishedShowsNotInPast: `SELECT count(*) FROM shows WHERE status IN ('completed', 'cancelled') AND starts_at >= $1::timestamptz`,
  upcomingShowsNotInFuture: `SELECT count(*) FROM shows WHERE status = 'upcoming' AND starts_at <= $1::timestamptz`,
  liveShowsNotToday: `SELECT count(*) FROM shows WHERE status = 'live' AND starts_at NOT BETWEEN $1::timestamptz - interval '1 day' AND $1::timestamptz + interval '2 days'`,
  rowsCreatedAfterNow: `SELECT (SELECT count(*) FROM votes WHERE created_at > $1::timestamptz) + (SELECT count(*) FROM setlist_songs WHERE created_at > $1::timestamptz) + (SELECT count(*) FROM shows WHERE created_at > $1::timestamptz) + (SELECT count(*) FROM users WHERE created_at > $1::timestamptz)`,
};

async function scalar(db: SqlExecutor, sql: string, params: unknown[] = []): Promise<unknown> {
  const row = resultRows(await db.query(sql, params))[0] ?? {};
  return Object.values(row)[0];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'database-url': { type: 'string' }, pglite: { type: 'string' }, now: { type: 'string' } },
  });
  // The same default anchor as cli.ts: today's UTC midnight.
  const now = new Date(values.now ?? utcMidnight(Date.now())).toISOString();
  const target = await openTarget({
    pgliteDir: values.pglite,
    databaseUrl: values.pglite ? undefined : (values['database-url'] ?? process.env.DATABASE_URL),
  });
  const db = target.executor;
  try {
    // Row text includes timestamps: render them in one zone so checksums compare across servers.
    await db.query("SET TIME ZONE 'UTC'", []);
    const tables: Record<string, { rows: number; md5: unknown }> = {};
    for (const [table, order] of Object.entries(CHECKSUM_ORDER)) {
      const [row] = resultRows(
        await db.query(
          `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY ${order}), '')) AS md5 FROM ${table} t`,
          [],
        ),
      );
      tables[table] = { rows: Number(row?.n), md5: row?.md5 };
    }
    const overall = createHash('md5')
      .update(
        Object.values(tables)
          .map((t) => String(t.md5))
          .join(''),
      )
      .digest('hex');
    const violations: Record<string, number> = {};
    for (const [name, sql] of Object.entries(INVARIANTS)) violations[name] = Number(await scalar(db, sql));
    for (const [name, sql] of Object.entries(TIME_INVARIANTS)) violations[name] = Number(await scalar(db, sql, [now]));
    const shape = {
      countries: Number(await scalar(db, 'SELECT count(DISTINCT country) FROM venues')),
      statuses: Object.fromEntries(
        resultRows(
          await db.query('SELECT status::text AS s, count(*)::int AS n FROM shows GROUP BY 1 ORDER BY 1', []),
        ).map((r) => [r.s, r.n]),
      ),
      showsWithVotes: Number(await scalar(db, 'SELECT count(DISTINCT show_id) FROM votes')),
      maxVoteCount: Number(await scalar(db, 'SELECT max(vote_count) FROM setlist_songs')),
    };
    const passwords: Record<string, boolean> = {};
    for (const a of DEMO_ACCOUNTS) {
      const [row] = resultRows(
        await db.query('SELECT password_hash, role::text AS role FROM users WHERE email = $1', [a.email]),
      );
      passwords[a.email] =
        row !== undefined && row.role === a.role && (await verifyPassword(a.password, String(row.password_hash)));
    }
    const [fan] = resultRows(
      await db.query(
        "SELECT email, password_hash FROM users WHERE email LIKE '%@example.%' ORDER BY email LIMIT 1",
        [],
      ),
    );
    if (fan) passwords[String(fan.email)] = await verifyPassword(SHARED_PASSWORD, String(fan.password_hash));

    const ok = Object.values(violations).every((n) => n === 0) && Object.values(passwords).every(Boolean);
    console.log(JSON.stringify({ ok, now, checksum: overall, tables, violations, shape, passwords }, null, 2));
    if (!ok) process.exitCode = 1;
  } finally {
    await target.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
