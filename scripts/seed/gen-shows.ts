/**
 * Shows, their predicted setlists and the votes on them, streamed in chunks: this is where the volume is
 * (scale 50 means ~800k setlist songs and millions of votes), so nothing here outlives its chunk.
 *
 * Time policy, relative to the anchor `now`:
 * - a show's day is an offset from "today" in the venue's own zone, at 19:00-21:30 local time;
 * - ~40% are in the past 365 days (completed, ~3% cancelled), ~60% in the next 240 days (upcoming, a
 *   third of them within 30 days so their voting is open), and every 200th show is today ('live');
 * - voting opens 30 days before the start and closes at the start; only shows whose voting has opened
 *   by `now` have votes, and every vote, setlist addition and creation time is at or before `now`.
 */
import type { Faker } from '@faker-js/faker';
import type { ArtistRef } from './gen-catalog';
import type { VenueRef } from './gen-venues';
import { permute32, sampleDistinct, toBase62, weightedSampleWithoutReplacement } from './random';
import { inChunks, type SeedBatch, type SetlistSongRow, type ShowRow, type ShowStatus, type VoteRow } from './rows';
import { addDays, type CalendarDate, DAY_MS, HOUR_MS, isoDate, isoTimestamp, localDate, zonedTimeToUtc } from './time';

export interface ShowOptions {
  faker: Faker;
  count: number;
  nowMs: number;
  chunkSize: number;
  artists: readonly ArtistRef[];
  venues: readonly VenueRef[];
  userIds: readonly string[];
  /** For each artist (by index in `artists`), the indexes in `userIds` of its followers. */
  followersByArtist: readonly (readonly number[])[];
}

export const VOTING_WINDOW_MS = 30 * DAY_MS;
const PAST_DAYS = 365;
const FUTURE_DAYS = 240;
const LIVE_EVERY = 200;

const SLUG_SALT = 0x51a6;
const TM_EVENT_SALT = 0xe7e27;
const SETLISTFM_SALT = 0x5e7115;

/*
 * How many fans take part in a show's room. The forecast model (docs/ml.md) learns these effects back from the
 * data, so they are stated here once: more fans for popular artists, for bigger rooms and on Friday/Saturday
 * nights, times log-normal noise; about FROM_FOLLOWERS of them follow the artist (co-voting then mirrors
 * co-following, which collaborative filtering relies on); about OPENING_BURST of the votes come in the first
 * OPENING_DAYS of the voting window (the announcement burst), the rest build up toward the show.
 */
const CAPACITY_REFERENCE = 15_000;
const CAPACITY_ELASTICITY = 0.3;
const WEEKEND_FACTOR = 1.35;
const NOISE_SIGMA = 0.3;
const FROM_FOLLOWERS = 0.6;
export const OPENING_DAYS = 3;
const OPENING_BURST = 0.25;

type Category = 'past' | 'live' | 'future';

interface BuiltShow {
  show: ShowRow;
  setlist: SetlistSongRow[];
  votes: VoteRow[];
}

/** Splits `total` in proportion to `weights`, summing exactly to `total` (largest remainder method). */
export function allocate(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left-- <= 0) break;
    out[i]!++;
  }
  return out;
}

function drawDay(f: Faker, category: Category): number {
  if (category === 'live') return 0;
  if (category === 'past') return -f.number.int({ min: 1, max: PAST_DAYS });
  return f.number.float() < 0.35 ? f.number.int({ min: 1, max: 30 }) : f.number.int({ min: 31, max: FUTURE_DAYS });
}

/** A day on which this artist has no other show (nobody plays two cities in one evening). */
function pickDay(f: Faker, category: Category, used: Set<number>): number | undefined {
  for (let attempt = 0; attempt < 20; attempt++) {
    const day = drawDay(f, category);
    if (!used.has(day)) return day;
  }
  const [lo, hi] = category === 'past' ? [-PAST_DAYS, -1] : category === 'future' ? [1, FUTURE_DAYS] : [0, 0];
  for (let day = lo; day <= hi; day++) if (!used.has(day)) return day;
  return undefined;
}

/** Popular artists play big rooms: the best capacity match among a few random venues. */
function pickVenue(f: Faker, venues: readonly VenueRef[], popularity: number): VenueRef {
  const target = Math.log(250 * 10 ** ((2.4 * popularity) / 100));
  let best = venues[f.number.int(venues.length - 1)]!;
  for (let i = 0; i < 3; i++) {
    const candidate = venues[f.number.int(venues.length - 1)]!;
    if (Math.abs(Math.log(candidate.capacity) - target) < Math.abs(Math.log(best.capacity) - target)) best = candidate;
  }
  return best;
}

class ShowBuilder {
  private readonly todayByZone = new Map<string, CalendarDate>();

  constructor(private readonly o: ShowOptions) {}

  private localToday(timeZone: string): CalendarDate {
    let today = this.todayByZone.get(timeZone);
    if (!today) {
      today = localDate(timeZone, this.o.nowMs);
      this.todayByZone.set(timeZone, today);
    }
    return today;
  }

  build(artist: ArtistRef, artistIndex: number, index: number, usedDays: Set<number>): BuiltShow {
    const f = this.o.faker;
    const now = this.o.nowMs;
    let category: Category = index % LIVE_EVERY === 0 ? 'live' : f.number.float() < 0.4 ? 'past' : 'future';
    let day = pickDay(f, category, usedDays);
    if (day === undefined && category === 'live') {
      category = 'future';
      day = pickDay(f, category, usedDays);
    }
    if (day === undefined) throw new Error(`artist ${artist.slug} has more shows than days to put them on`);
    usedDays.add(day);

    const venue = pickVenue(f, this.o.venues, artist.popularity);
    const date = addDays(this.localToday(venue.timeZone), day);
    const slot = f.number.int(5); // doors-to-stage times from 19:00 to 21:30 local
    const startsMs = zonedTimeToUtc(venue.timeZone, date, 19 + Math.floor(slot / 2), (slot % 2) * 30);
    const opensMs = startsMs - VOTING_WINDOW_MS;
    const createdMs = Math.min(startsMs - f.number.int({ min: 35 * DAY_MS, max: 200 * DAY_MS }), now - DAY_MS);
    const status: ShowStatus =
      category === 'live'
        ? 'live'
        : category === 'future'
          ? 'upcoming'
          : f.number.float() < 0.03
            ? 'cancelled'
            : 'completed';
    const updatedMs =
      status === 'completed'
        ? Math.min(startsMs + 3 * HOUR_MS, now)
        : status === 'cancelled'
          ? createdMs + f.number.float() * (startsMs - createdMs)
          : createdMs;
    const show: ShowRow = {
      id: f.string.uuid(),
      // The code (a bijection of the index) makes the slug unique even if two artist+city strings collide.
      slug: `${artist.slug}-${venue.citySlug}-${isoDate(date)}-${permute32(index, SLUG_SALT).toString(36)}`,
      artistId: artist.id,
      venueId: venue.id,
      startsAt: isoTimestamp(startsMs),
      status,
      votingOpensAt: isoTimestamp(opensMs),
      votingClosesAt: isoTimestamp(startsMs),
      ticketmasterId:
        f.number.float() < (category === 'past' ? 0.5 : 0.85)
          ? `vvG1${toBase62(permute32(index, TM_EVENT_SALT), 6)}${f.string.alphanumeric(4)}`
          : null,
      setlistfmId: status === 'completed' ? permute32(index, SETLISTFM_SALT).toString(16).padStart(8, '0') : null,
      createdAt: isoTimestamp(createdMs),
      updatedAt: isoTimestamp(updatedMs),
    };
    const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
    const interest =
      (venue.capacity / CAPACITY_REFERENCE) ** CAPACITY_ELASTICITY *
      (weekday === 5 || weekday === 6 ? WEEKEND_FACTOR : 1);
    return { show, ...this.setlistAndVotes(artist, artistIndex, interest, show.id, createdMs, opensMs, startsMs) };
  }

  /** Fans in the room (indexes in userIds): about FROM_FOLLOWERS of them among the artist's followers. */
  private pickVoters(artistIndex: number, count: number): number[] {
    const f = this.o.faker;
    const followers = this.o.followersByArtist[artistIndex] ?? [];
    const fromFollowers = Math.min(followers.length, Math.round(count * FROM_FOLLOWERS));
    const chosen = new Set(sampleDistinct(f, followers.length, fromFollowers).map((i) => followers[i]!));
    for (const u of sampleDistinct(f, this.o.userIds.length, Math.min(this.o.userIds.length, count + fromFollowers))) {
      if (chosen.size >= count) break;
      chosen.add(u);
    }
    return [...chosen];
  }

  private setlistAndVotes(
    artist: ArtistRef,
    artistIndex: number,
    interest: number,
    showId: string,
    createdMs: number,
    opensMs: number,
    startsMs: number,
  ) {
    const f = this.o.faker;
    const users = this.o.userIds;
    const windowEnd = Math.min(startsMs, this.o.nowMs);
    const votingOpened = opensMs <= this.o.nowMs;
    // Fans who took part in this show's room: more for popular artists, bigger rooms and weekends; none before voting opens.
    const base = 2 + 28 * (artist.popularity / 100) ** 1.5;
    const gaussian = Math.sqrt(-2 * Math.log(1 - f.number.float())) * Math.cos(2 * Math.PI * f.number.float());
    const voters = votingOpened
      ? this.pickVoters(artistIndex, Math.max(1, Math.round(base * interest * Math.exp(NOISE_SIGMA * gaussian))))
      : [];
    const engagement = voters.map(() => 0.25 + 0.75 * f.number.float());

    const size = f.number.int({ min: 8, max: 25 });
    const picked = weightedSampleWithoutReplacement(f, artist.songWeights, size);
    const maxWeight = Math.max(...picked.map((i) => artist.songWeights[i]!));
    const setlist: SetlistSongRow[] = [];
    const votes: VoteRow[] = [];
    // Most additions happen before voting opens or in its first days.
    const addedUntil = votingOpened ? Math.min(windowEnd, opensMs + 3 * DAY_MS) : this.o.nowMs;
    for (const songIndex of picked) {
      const id = f.string.uuid();
      const addedMs = createdMs + f.number.float() * (addedUntil - createdMs);
      const adder = voters.length ? voters[f.number.int(voters.length - 1)]! : f.number.int(users.length - 1);
      const chance = 0.08 + (0.55 * artist.songWeights[songIndex]!) / maxWeight;
      const first = Math.max(opensMs, addedMs);
      let voteCount = 0;
      for (let v = 0; v < voters.length; v++) {
        if (f.number.float() >= engagement[v]! * chance) continue;
        // The opening burst, else sqrt skews votes toward the end of the window, when fans pay attention.
        const burstEnd = Math.min(windowEnd, first + OPENING_DAYS * DAY_MS);
        const votedAt = isoTimestamp(
          f.number.float() < OPENING_BURST
            ? first + f.number.float() * (burstEnd - first)
            : first + Math.sqrt(f.number.float()) * (windowEnd - first),
        );
        votes.push({
          id: f.string.uuid(),
          userId: users[voters[v]!]!,
          setlistSongId: id,
          showId,
          active: true,
          roomSeq: 0,
          createdAt: votedAt,
          updatedAt: votedAt,
        });
        voteCount++;
      }
      setlist.push({
        id,
        showId,
        songId: artist.songIds[songIndex]!,
        addedBy: users[adder]!,
        voteCount,
        createdAt: isoTimestamp(addedMs),
      });
    }
    return { setlist, votes };
  }
}

export function* generateShows(options: ShowOptions): Generator<SeedBatch, void> {
  const { artists, chunkSize } = options;
  const builder = new ShowBuilder(options);
  // Popular artists tour more; the split is exact, so the show count is exactly the planned one.
  const perArtist = allocate(
    options.count,
    artists.map((a) => 1 + a.popularity / 25),
  );
  let shows: ShowRow[] = [];
  let setlist: SetlistSongRow[] = [];
  let votes: VoteRow[] = [];
  let index = 0;
  function* flush(final: boolean): Generator<SeedBatch> {
    // Parents first: votes reference setlist songs, which reference shows. Shows and setlist songs go
    // out whole; votes only in full chunks (the rest waits for the next flush, its parents now stored).
    const ready = final ? votes.length : votes.length - (votes.length % chunkSize);
    yield* inChunks<Extract<SeedBatch, { table: 'shows' }>>('shows', shows, chunkSize);
    yield* inChunks<Extract<SeedBatch, { table: 'setlist_songs' }>>('setlist_songs', setlist, chunkSize);
    yield* inChunks<Extract<SeedBatch, { table: 'votes' }>>('votes', votes.slice(0, ready), chunkSize);
    shows = [];
    setlist = [];
    votes = votes.slice(ready);
  }
  for (let a = 0; a < artists.length; a++) {
    // Per artist only: the set of days already booked stays as small as one artist's tour.
    const usedDays = new Set<number>();
    for (let k = 0; k < perArtist[a]!; k++) {
      const built = builder.build(artists[a]!, a, index++, usedDays);
      shows.push(built.show);
      for (const row of built.setlist) setlist.push(row);
      for (const row of built.votes) votes.push(row);
      if (votes.length >= chunkSize || setlist.length >= chunkSize) yield* flush(false);
    }
  }
  yield* flush(true);
}
