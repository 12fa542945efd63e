/**
 * The rows the generator emits, one interface per table in src/shared/db/schema.ts. Timestamps are ISO
 * strings (not Date) so that a row is plain data: it compares, hashes and serialises the same everywhere.
 */
export type UserRole = 'fan' | 'moderator' | 'admin';
export type ShowStatus = 'upcoming' | 'live' | 'completed' | 'cancelled';

export interface ArtistRow {
  id: string;
  slug: string;
  name: string;
  spotifyId: string | null;
  ticketmasterId: string | null;
  musicbrainzId: string | null;
  genres: string[];
  popularity: number;
  imageUrl: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface SongRow {
  id: string;
  artistId: string;
  title: string;
  album: string | null;
  durationMs: number;
  spotifyId: string | null;
  isrc: string;
  createdAt: string;
}

export interface VenueRow {
  id: string;
  slug: string;
  name: string;
  city: string;
  country: string;
  timeZone: string;
  latitude: number;
  longitude: number;
  capacity: number;
  ticketmasterId: string | null;
  createdAt: string;
}

export interface UserRow {
  id: string;
  email: string;
  passwordHash: string;
  displayName: string;
  role: UserRole;
  createdAt: string;
  updatedAt: string;
}

export interface FollowRow {
  userId: string;
  artistId: string;
  createdAt: string;
}

export interface ShowRow {
  id: string;
  slug: string;
  artistId: string;
  venueId: string;
  startsAt: string;
  status: ShowStatus;
  votingOpensAt: string;
  votingClosesAt: string;
  ticketmasterId: string | null;
  setlistfmId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface SetlistSongRow {
  id: string;
  showId: string;
  songId: string;
  addedBy: string | null;
  /** Always the number of active votes generated for this row. */
  voteCount: number;
  createdAt: string;
}

export interface VoteRow {
  id: string;
  userId: string;
  setlistSongId: string;
  showId: string;
  active: boolean;
  roomSeq: number;
  createdAt: string;
  updatedAt: string;
}

/** One chunk of rows for one table. Batches arrive in foreign-key order: parents before children. */
export type SeedBatch =
  | { table: 'artists'; rows: ArtistRow[] }
  | { table: 'songs'; rows: SongRow[] }
  | { table: 'venues'; rows: VenueRow[] }
  | { table: 'users'; rows: UserRow[] }
  | { table: 'follows'; rows: FollowRow[] }
  | { table: 'shows'; rows: ShowRow[] }
  | { table: 'setlist_songs'; rows: SetlistSongRow[] }
  | { table: 'votes'; rows: VoteRow[] };

export type SeedTable = SeedBatch['table'];

export interface SeedCounts {
  artists: number;
  songs: number;
  venues: number;
  shows: number;
  setlistSongs: number;
  users: number;
  votes: number;
  follows: number;
}

export const COUNT_KEY: Record<SeedTable, keyof SeedCounts> = {
  artists: 'artists',
  songs: 'songs',
  venues: 'venues',
  users: 'users',
  follows: 'follows',
  shows: 'shows',
  setlist_songs: 'setlistSongs',
  votes: 'votes',
};

export function emptyCounts(): SeedCounts {
  return { artists: 0, songs: 0, venues: 0, shows: 0, setlistSongs: 0, users: 0, votes: 0, follows: 0 };
}

/** Yields `rows` as batches of at most `size` rows. */
export function* inChunks<B extends SeedBatch>(table: B['table'], rows: B['rows'], size: number): Generator<B> {
  for (let i = 0; i < rows.length; i += size) {
    yield { table, rows: rows.slice(i, i + size) } as B;
  }
}
