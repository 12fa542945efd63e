/**
 * A fresh show for every run, so counts start at 0 and nothing from earlier runs is measured:
 * artist + catalogue + venue + upcoming show (voting open now) straight into Postgres, then voter
 * accounts and the setlist through the public API, exactly as fans would create them.
 */
import { randomUUID } from 'node:crypto';
import { DAY_MS } from '#shared/time';
import { mapLimit } from '../lib/map-limit';
import type { BenchDb } from './db';

export interface Fixture {
  runId: string;
  showId: string;
  voterTokens: string[];
  /** Signed-in users for the fans who join during the drive (`--join-rate`). */
  joinTokens: string[];
  setlistSongIds: string[];
  timings: { catalogueMs: number; signupsMs: number; setlistMs: number; setlistPersistedMs: number };
}

const PASSWORD = 'bench-password-123';

async function createCatalogue(
  db: BenchDb,
  runId: string,
  artistSongs: number,
): Promise<{ showId: string; songIds: string[] }> {
  const artistId = randomUUID();
  const venueId = randomUUID();
  const showId = randomUUID();
  const songIds = Array.from({ length: artistSongs }, () => randomUUID());
  const titles = songIds.map((_, i) => `Bench Song ${String(i + 1).padStart(3, '0')}`);
  const now = Date.now();
  // Voting opened a day ago and closes when the show starts, a week from now (as the seed does).
  const startsAt = new Date(now + 7 * DAY_MS).toISOString();
  const opensAt = new Date(now - DAY_MS).toISOString();
  await db.transaction([
    {
      text: 'insert into artists (id, slug, name) values ($1, $2, $3)',
      params: [artistId, `bench-artist-${runId}`, `Bench Artist ${runId}`],
    },
    {
      text: 'insert into songs (id, artist_id, title) select unnest($1::uuid[]), $2, unnest($3::text[])',
      params: [songIds, artistId, titles],
    },
    {
      text: "insert into venues (id, slug, name, city, country, time_zone) values ($1, $2, $3, 'Benchville', 'DE', 'Europe/Berlin')",
      params: [venueId, `bench-venue-${runId}`, `Bench Hall ${runId}`],
    },
    {
      text: `insert into shows (id, slug, artist_id, venue_id, starts_at, status, voting_opens_at, voting_closes_at)
             values ($1, $2, $3, $4, $5, 'upcoming', $6, $5)`,
      params: [showId, `bench-show-${runId}`, artistId, venueId, startsAt, opensAt],
    },
  ]);
  return { showId, songIds };
}

async function postJson<T>(url: string, body: unknown, token?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

export async function createFixture(
  db: BenchDb,
  baseUrl: string,
  opts: { voters: number; joinUsers: number; setlistSongs: number; artistSongs: number; log: (line: string) => void },
): Promise<Fixture> {
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  let t = performance.now();
  const { showId, songIds } = await createCatalogue(db, runId, opts.artistSongs);
  const catalogueMs = performance.now() - t;

  // Each signup costs a 100,000-iteration PBKDF2 in the api worker: 4 at a time keeps both cores busy
  // without making the requests queue up behind each other.
  t = performance.now();
  const tokens = await mapLimit(
    Array.from({ length: opts.voters + opts.joinUsers }, (_, i) => i),
    4,
    async (i) => {
      const res = await postJson<{ token?: string; error?: unknown }>(`${baseUrl}/v1/auth/signup`, {
        email: `bench-${runId}-${i}@bench.example`,
        password: PASSWORD,
        displayName: `Bench Fan ${i}`,
      });
      if (res.status !== 201 || !res.body.token)
        throw new Error(`signup ${i}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.token;
    },
  );
  const voterTokens = tokens.slice(0, opts.voters);
  const joinTokens = tokens.slice(opts.voters);
  const signupsMs = performance.now() - t;
  opts.log(
    `${opts.voters} voters${opts.joinUsers ? ` + ${opts.joinUsers} joining users` : ''} signed up in ${(signupsMs / 1000).toFixed(1)} s`,
  );

  t = performance.now();
  const setlistSongIds = await mapLimit(songIds.slice(0, opts.setlistSongs), 4, async (songId, i) => {
    const res = await postJson<{ setlistSongId?: string }>(
      `${baseUrl}/v1/shows/${showId}/setlist`,
      { songId },
      voterTokens[i % voterTokens.length],
    );
    if (res.status !== 201 || !res.body.setlistSongId)
      throw new Error(`add song ${i}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.setlistSongId;
  });
  const setlistMs = performance.now() - t;

  // The added songs reach Postgres through the outbox and the queue; wait for them so that the round
  // trips counted during the run are the votes' alone.
  t = performance.now();
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [row] = await db.query<{ n: string }>('select count(*) as n from setlist_songs where show_id = $1', [showId]);
    if (Number(row?.n) === setlistSongIds.length) break;
    if (Date.now() > deadline)
      throw new Error(`only ${row?.n}/${setlistSongIds.length} setlist songs reached Postgres within 60 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const setlistPersistedMs = performance.now() - t;
  opts.log(
    `show ${showId}: ${setlistSongIds.length} setlist songs added in ${(setlistMs / 1000).toFixed(1)} s (in Postgres after ${(setlistPersistedMs / 1000).toFixed(1)} s more)`,
  );
  return {
    runId,
    showId,
    voterTokens,
    joinTokens,
    setlistSongIds,
    timings: { catalogueMs, signupsMs, setlistMs, setlistPersistedMs },
  };
}
