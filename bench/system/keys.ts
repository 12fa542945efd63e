/**
 * What the show-night traffic needs from the seeded database (read through the relay's Neon `/sql` endpoint,
 * the driver the workers use, so it works on PGlite and on a real server alike): live rooms (upcoming shows
 * whose voting is open, with their setlist songs), other shows, artists and search terms, the signed-in fans
 * (log-ins through the API, one synthetic address each, so the log-in limiter sees many clients), a moderator
 * and an admin. Deterministic: ordered by md5 of the ids.
 */
import { neon, neonConfig } from '@neondatabase/serverless';
import { neonLocalConfig } from '#shared/db/neon-config';
import { SHARED_PASSWORD } from '../../scripts/seed/accounts';
import { syntheticIp } from '../read/load';

export interface Room {
  showId: string;
  songs: string[];
}

export interface Keys {
  rooms: Room[];
  /** The moderator's show: songs are marked played there (it goes live, so it is never a voting room). */
  playedShowId: string;
  shows: { id: string; slug: string }[];
  artists: { id: string; slug: string }[];
  searchTerms: string[];
  fans: string[];
  moderator: string;
  admin: string;
}

async function login(baseUrl: string, email: string, password: string, i: number): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${baseUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'CF-Connecting-IP': syntheticIp(50_000 + i + attempt * 997) },
      body: JSON.stringify({ email, password }),
    });
    if (res.ok) return ((await res.json()) as { token: string }).token;
    if (attempt >= 3) throw new Error(`log-in of ${email}: ${res.status} ${await res.text()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function pickKeys(
  baseUrl: string,
  relay: string,
  profile: { rooms: number; users: number },
  log: (line: string) => void,
): Promise<Keys> {
  neonConfig.fetchEndpoint = neonLocalConfig(relay).fetchEndpoint;
  const sql = neon('postgres://bench:bench@localhost:5432/mysetlist');
  const q = async <T>(text: string, params: unknown[] = []) => (await sql.query(text, params)) as T[];

  const open = await q<{ id: string }>(
    `select s.id from shows s
      where s.status = 'upcoming' and s.voting_opens_at < now() and s.voting_closes_at > now() + interval '1 hour'
        and (select count(*) from setlist_songs ss where ss.show_id = s.id) >= 5
      order by md5(s.id::text) limit $1`,
    [profile.rooms + 1],
  );
  if (open.length < profile.rooms + 1) throw new Error(`only ${open.length} shows with open voting and 5+ songs`);
  const rooms: Room[] = [];
  for (const { id } of open.slice(0, profile.rooms)) {
    const songs = await q<{ id: string }>(`select id from setlist_songs where show_id = $1 order by id limit 12`, [id]);
    rooms.push({ showId: id, songs: songs.map((s) => s.id) });
  }
  const shows = await q<{ id: string; slug: string }>(
    `select id, slug from shows where status in ('upcoming', 'live') order by md5(id::text) limit 200`,
  );
  const artists = await q<{ id: string; slug: string; name: string }>(
    `select id, slug, name from artists order by popularity desc, id limit 50`,
  );
  // As typed: every prefix of a name from 2 letters, so a search session is a run of growing prefixes.
  const searchTerms: string[] = [];
  for (const a of artists.slice(0, 20)) {
    const name = a.name.toLowerCase();
    for (let n = 2; n <= Math.min(name.length, 8); n++) searchTerms.push(name.slice(0, n));
  }
  const fanRows = await q<{ email: string }>(
    `select email from users where email like '%@example.%' order by md5(id::text) limit $1`,
    [profile.users],
  );
  log(`logging in ${fanRows.length} fans, a moderator and an admin`);
  const fans: string[] = [];
  for (let i = 0; i < fanRows.length; i += 8) {
    const batch = fanRows.slice(i, i + 8);
    fans.push(...(await Promise.all(batch.map((f, j) => login(baseUrl, f.email, SHARED_PASSWORD, i + j)))));
  }
  const moderator = await login(baseUrl, 'moderator@mysetlist.dev', 'moderator-password-123', 90_000);
  const admin = await login(baseUrl, 'admin@mysetlist.dev', 'admin-password-123', 90_001);
  return {
    rooms,
    playedShowId: open[profile.rooms]!.id,
    shows,
    artists: artists.map(({ id, slug }) => ({ id, slug })),
    searchTerms,
    fans,
    moderator,
    admin,
  };
}
