/**
 * The forecast's features, read from Postgres in one statement for any set of shows, as of an instant. The
 * training script, the cron job and GET /v1/shows/{showId}/forecast all use this, so the model is always fed
 * the features it was trained on.
 */
import { type SQL, sql } from 'drizzle-orm';
import { rowsOf, type SqlRunner } from '../db/sql-runner';
import { OPENING_DAYS, type ShowFeatures } from './model';

export interface ShowFeatureRow extends ShowFeatures {
  showId: string;
  artistId: string;
  startsAt: Date;
  votingOpensAt: Date;
  votingClosesAt: Date;
  /** Active votes on the show now (the training target, once voting has closed). */
  votes: number;
}

interface RawRow extends Record<string, unknown> {
  show_id: string;
  artist_id: string;
  popularity: number;
  followers: number | string;
  capacity: number | null;
  weekday: number | string;
  early_votes: number | string | null;
  votes: number | string;
  starts_at: string | Date;
  voting_opens_at: string | Date;
  voting_closes_at: string | Date;
}

const toDate = (v: string | Date) => (v instanceof Date ? v : new Date(v));

/**
 * Features of the shows matched by `where` (a condition on `s`, the shows table), as of `asOf`, or for training
 * as of each show's voting close ('close'): followers are counted as of then, and early votes are known only
 * once that instant is OPENING_DAYS past the opening of voting. `withVotes` also counts each show's active
 * votes (the training target; it reads every vote of the shows).
 */
export async function readShowFeatures(
  db: SqlRunner,
  where: SQL,
  asOf: Date | 'close',
  withVotes = false,
): Promise<ShowFeatureRow[]> {
  const at = asOf === 'close' ? sql`s.voting_closes_at` : sql`${asOf.toISOString()}::timestamptz`;
  const opening = sql`s.voting_opens_at + make_interval(days => ${OPENING_DAYS})`;
  const rows = await rowsOf<RawRow>(
    db,
    sql`
    select s.id as show_id, s.artist_id, a.popularity,
           (select count(*)::int from follows f where f.artist_id = s.artist_id and f.created_at <= ${at}) as followers,
           v.capacity,
           extract(isodow from s.starts_at at time zone v.time_zone)::int as weekday,
           case when ${at} >= ${opening}
                then (select count(*)::int from votes x where x.show_id = s.id and x.created_at < ${opening}) end as early_votes,
           ${withVotes ? sql`(select count(*)::int from votes x where x.show_id = s.id and x.active)` : sql`0`} as votes,
           s.starts_at, s.voting_opens_at, s.voting_closes_at
    from shows s
    join artists a on a.id = s.artist_id
    join venues v on v.id = s.venue_id
    where ${where}
    order by s.id`,
  );
  return rows.map((r) => ({
    showId: r.show_id,
    artistId: r.artist_id,
    popularity: Number(r.popularity),
    followers: Number(r.followers),
    venueCapacity: r.capacity === null ? null : Number(r.capacity),
    weekday: Number(r.weekday),
    earlyVotes: r.early_votes === null ? null : Number(r.early_votes),
    votes: Number(r.votes),
    startsAt: toDate(r.starts_at),
    votingOpensAt: toDate(r.voting_opens_at),
    votingClosesAt: toDate(r.voting_closes_at),
  }));
}
