/**
 * The vote anomaly detector (cron every minute, ANOMALY_CRON). It reads the `vote` analytics events that the
 * vote-events consumer derives from the rooms' event stream (with each voter's network id) joined with the
 * voters' account creation time, applies the rules of anomaly-rules.ts, and upserts one `vote_anomalies` row per
 * cluster. Votes already discounted are left out, so a discounted cluster is not flagged again.
 */
import { sql } from 'drizzle-orm';
import { CRONS } from '#shared/cron/schedule';
import type { Database } from '#shared/db/client';
import { ANOMALY_RULES, type AnomalyRule } from './anomaly-rules';

export const ANOMALY_CRON = CRONS['mysetlist-api'].anomalies;

export interface Cluster {
  showId: string;
  rule: AnomalyRule;
  subject: string;
  windowStart: Date;
  windowEnd: Date;
  voteIds: string[];
  evidence: Record<string, unknown>;
}

interface AccountRow {
  user_id: string;
  created_at: string;
  voted_at: string;
  network_id: string | null;
}

const accountsOf = (rows: AccountRow[]) =>
  rows.slice(0, ANOMALY_RULES.maxAccountsInEvidence).map((a) => ({
    userId: a.user_id,
    createdAt: new Date(a.created_at).toISOString(),
    ageMinutesAtVote: Math.round((new Date(a.voted_at).getTime() - new Date(a.created_at).getTime()) / 60_000),
    networkId: a.network_id,
  }));

/** The window's counted votes, with the voter's account creation time (one CTE shared by the rules). */
const windowVotes = (from: Date, to: Date) => sql`
  select e.show_id, e.at, e.user_id, (e.data->>'voteId')::uuid as vote_id, (e.data->>'setlistSongId')::uuid as setlist_song_id,
         e.data->>'networkId' as network_id, u.created_at,
         (e.at - u.created_at) < make_interval(hours => ${ANOMALY_RULES.newAccountBurst.maxAgeHours}::int) as young
  from analytics_events e join users u on u.id = e.user_id
  where e.kind = 'vote' and e.at >= ${from.toISOString()}::timestamptz and e.at < ${to.toISOString()}::timestamptz
    and not exists (select 1 from vote_discounts d where d.vote_id = (e.data->>'voteId')::uuid)`;

const ACCOUNTS_JSON = sql`jsonb_agg(jsonb_build_object('user_id', user_id, 'created_at', created_at, 'voted_at', at, 'network_id', network_id) order by at)`;

export async function findClusters(db: Database, now: Date): Promise<Cluster[]> {
  const to = now;
  const from = new Date(now.getTime() - ANOMALY_RULES.windowMinutes * 60_000);
  const r = ANOMALY_RULES;
  const clusters: Cluster[] = [];

  const burst = await db.$primary.execute<{
    show_id: string;
    setlist_song_id: string;
    young: number;
    total: number;
    vote_ids: string[];
    first_at: string;
    last_at: string;
    networks: string[] | null;
    accounts: AccountRow[];
  }>(sql`
    with w as (${windowVotes(from, to)})
    select show_id, setlist_song_id, count(*) filter (where young)::int as young, count(*)::int as total,
           array_agg(vote_id) filter (where young) as vote_ids, min(at) filter (where young) as first_at, max(at) filter (where young) as last_at,
           array_agg(distinct network_id) filter (where young and network_id is not null) as networks,
           ${ACCOUNTS_JSON} filter (where young) as accounts
    from w where setlist_song_id is not null group by show_id, setlist_song_id
    having count(*) filter (where young) >= ${r.newAccountBurst.minVotes}::int and count(*) filter (where young) >= ${r.newAccountBurst.minShare}::float8 * count(*)`);
  for (const row of burst.rows) {
    clusters.push({
      showId: row.show_id,
      rule: 'new_account_burst',
      subject: row.setlist_song_id,
      windowStart: new Date(row.first_at),
      windowEnd: new Date(row.last_at),
      voteIds: row.vote_ids,
      evidence: {
        setlistSongId: row.setlist_song_id,
        window: { from: from.toISOString(), to: to.toISOString() },
        newAccountVotes: row.young,
        votesOnSong: row.total,
        threshold: { ...r.newAccountBurst },
        networkIds: row.networks ?? [],
        accounts: accountsOf(row.accounts),
      },
    });
  }

  const network = await db.$primary.execute<{
    show_id: string;
    network_id: string;
    accounts_n: number;
    young: number;
    songs: number;
    vote_ids: string[];
    first_at: string;
    last_at: string;
    accounts: AccountRow[];
  }>(sql`
    with w as (${windowVotes(from, to)})
    select show_id, network_id, count(distinct user_id)::int as accounts_n, count(*) filter (where young)::int as young,
           count(distinct setlist_song_id)::int as songs, array_agg(vote_id) as vote_ids, min(at) as first_at, max(at) as last_at, ${ACCOUNTS_JSON} as accounts
    from w where network_id is not null and setlist_song_id is not null group by show_id, network_id
    having count(distinct user_id) >= ${r.sharedNetwork.minAccounts}::int`);
  for (const row of network.rows) {
    clusters.push({
      showId: row.show_id,
      rule: 'shared_network',
      subject: row.network_id,
      windowStart: new Date(row.first_at),
      windowEnd: new Date(row.last_at),
      voteIds: row.vote_ids,
      evidence: {
        networkIds: [row.network_id],
        window: { from: from.toISOString(), to: to.toISOString() },
        accountsOnNetwork: row.accounts_n,
        votes: row.vote_ids.length,
        newAccountVotes: row.young,
        songs: row.songs,
        threshold: { ...r.sharedNetwork },
        accounts: accountsOf(row.accounts),
      },
    });
  }

  const baselineFrom = new Date(from.getTime() - r.rateSpike.baselineMinutes * 60_000);
  const spikes = await db.$primary.execute<{
    show_id: string;
    observed: number;
    baseline: number;
    per_minute: number | null;
    vote_ids: string[];
    first_at: string;
    last_at: string;
  }>(sql`
    select e.show_id, count(*) filter (where e.at >= ${from.toISOString()}::timestamptz)::int as observed,
           count(*) filter (where e.at < ${from.toISOString()}::timestamptz)::int as baseline, f.predicted_votes_per_minute as per_minute,
           array_agg((e.data->>'voteId')::uuid) filter (where e.at >= ${from.toISOString()}::timestamptz) as vote_ids,
           min(e.at) filter (where e.at >= ${from.toISOString()}::timestamptz) as first_at, max(e.at) as last_at
    from analytics_events e left join show_forecasts f on f.show_id = e.show_id
    where e.kind = 'vote' and e.at >= ${baselineFrom.toISOString()}::timestamptz and e.at < ${to.toISOString()}::timestamptz
      and not exists (select 1 from vote_discounts d where d.vote_id = (e.data->>'voteId')::uuid)
    group by e.show_id, f.predicted_votes_per_minute
    having count(*) filter (where e.at >= ${from.toISOString()}::timestamptz) >= ${r.rateSpike.minVotes}::int`);
  for (const row of spikes.rows) {
    const fromForecast = row.per_minute !== null;
    const rawExpected = fromForecast
      ? Number(row.per_minute) * r.windowMinutes
      : row.baseline / (r.rateSpike.baselineMinutes / r.windowMinutes);
    const expected = Math.max(rawExpected, r.rateSpike.minExpected);
    if (row.observed < r.rateSpike.factor * expected) continue;
    clusters.push({
      showId: row.show_id,
      rule: 'rate_spike',
      subject: 'show',
      windowStart: new Date(row.first_at),
      windowEnd: new Date(row.last_at),
      voteIds: row.vote_ids,
      evidence: {
        window: { from: from.toISOString(), to: to.toISOString() },
        observed: row.observed,
        expected: Math.round(rawExpected * 100) / 100,
        expectedFloor: r.rateSpike.minExpected,
        expectedSource: fromForecast ? 'forecast' : 'baseline',
        threshold: { ...r.rateSpike },
      },
    });
  }
  return clusters;
}

/**
 * Stores clusters: one row per (show, rule, subject, 10-minute bucket of the cluster's first vote). A later run
 * that sees more votes of the cluster adds them; an anomaly already reviewed is reopened when it gains votes.
 */
export async function recordClusters(db: Database, clusters: Cluster[]): Promise<{ flagged: number }> {
  const bucketMs = ANOMALY_RULES.bucketMinutes * 60_000;
  for (const c of clusters) {
    const bucket = new Date(Math.floor(c.windowStart.getTime() / bucketMs) * bucketMs);
    await db.$primary.execute(sql`
      insert into vote_anomalies (show_id, rule, subject, window_bucket, window_start, window_end, evidence, vote_ids)
      values (${c.showId}, ${c.rule}, ${c.subject}, ${bucket.toISOString()}, ${c.windowStart.toISOString()}, ${c.windowEnd.toISOString()},
              ${JSON.stringify(c.evidence)}::jsonb, ${`{${c.voteIds.join(',')}}`}::uuid[])
      on conflict (show_id, rule, subject, window_bucket) do update set
        window_start = least(vote_anomalies.window_start, excluded.window_start),
        window_end = greatest(vote_anomalies.window_end, excluded.window_end),
        evidence = excluded.evidence,
        vote_ids = array(select distinct unnest(vote_anomalies.vote_ids || excluded.vote_ids)),
        status = case when excluded.vote_ids <@ vote_anomalies.vote_ids then vote_anomalies.status else 'open' end,
        updated_at = now()`);
  }
  return { flagged: clusters.length };
}

export async function detectAnomalies(db: Database, now = new Date()): Promise<{ flagged: number }> {
  return recordClusters(db, await findClusters(db, now));
}
