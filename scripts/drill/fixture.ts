/**
 * What both drills start from (faults.ts, dr.ts): an artist with a catalogue, a venue, upcoming shows with voting
 * open and every song on their setlist, and fans signed up through the api (the last one made an admin).
 */
import { randomUUID } from 'node:crypto';
import { mapLimit } from '../../bench/lib/map-limit';
import type { BenchDb } from '../../bench/room/db';

export interface Show {
  id: string;
  setlistSongIds: string[];
}

export interface DrillAccount {
  token: string;
  userId: string;
}

async function post<T>(url: string, body: unknown, token?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(120_000),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as T };
}

export interface DrillFixtureOptions {
  /** Slug and e-mail prefix (`drill`, `dr`) and the name the rows carry (`Drill`, `DR`). */
  slug: string;
  name: string;
  runId: string;
  showCount: number;
  songsPerShow: number;
  fanCount: number;
}

export async function drillFixture(db: BenchDb, base: string, o: DrillFixtureOptions) {
  const artistId = randomUUID();
  const venueId = randomUUID();
  const songIds = Array.from({ length: o.songsPerShow }, () => randomUUID());
  const showIds = Array.from({ length: o.showCount }, () => randomUUID());
  await db.transaction([
    { text: 'insert into artists (id, slug, name) values ($1, $2, $2)', params: [artistId, `${o.slug}-${o.runId}`] },
    {
      text: `insert into songs (id, artist_id, title) select id, $2, $3 || ' song ' || n
             from unnest($1::uuid[]) with ordinality as t(id, n)`,
      params: [songIds, artistId, o.name],
    },
    {
      text: `insert into venues (id, slug, name, city, country, time_zone) values ($1, $2, $2, 'Drillville', 'DE', 'Europe/Berlin')`,
      params: [venueId, `${o.slug}-venue-${o.runId}`],
    },
    {
      text: `insert into shows (id, slug, artist_id, venue_id, starts_at, voting_opens_at, voting_closes_at)
             select id, $6 || '-show-' || $5 || '-' || n, $2, $3, $4, now() - interval '1 day', $4
             from unnest($1::uuid[]) with ordinality as t(id, n)`,
      params: [showIds, artistId, venueId, new Date(Date.now() + 7 * 86_400_000).toISOString(), o.runId, o.slug],
    },
  ]);
  const accounts = await mapLimit(
    Array.from({ length: o.fanCount + 1 }, (_, i) => i),
    4,
    async (i): Promise<DrillAccount> => {
      const res = await post<{ token?: string; user?: { id: string } }>(`${base}/v1/auth/signup`, {
        email: `${o.slug}-${o.runId}-${i}@drill.example`,
        password: 'drill-password-123',
        displayName: `${o.name} Fan ${i}`,
      });
      if (res.status !== 201 || !res.body.token) throw new Error(`signup ${i}: HTTP ${res.status}`);
      return { token: res.body.token, userId: res.body.user!.id };
    },
  );
  const admin = accounts.pop()!;
  await db.query(`update users set role = 'admin' where id = $1`, [admin.userId]);
  const shows: Show[] = [];
  for (const id of showIds) {
    const setlistSongIds: string[] = [];
    for (const songId of songIds) {
      const res = await post<{ setlistSongId: string }>(
        `${base}/v1/shows/${id}/setlist`,
        { songId },
        accounts[0]!.token,
      );
      if (res.status !== 201) throw new Error(`add song: HTTP ${res.status}`);
      setlistSongIds.push(res.body.setlistSongId);
    }
    shows.push({ id, setlistSongIds });
  }
  return { artistId, songIds, shows, fans: accounts, admin };
}
