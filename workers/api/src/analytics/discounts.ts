/**
 * Discounting the votes of a flagged anomaly, and undoing it. Nothing is deleted: the votes stay in `votes`,
 * `vote_discounts` says which ones no count includes, and every count is recomputed from the rows (Postgres
 * here and in the vote consumer's recount; the live room through its setDiscounted RPC).
 */
import { sql } from 'drizzle-orm';
import type { Database, PrimaryDatabase } from '#shared/db/client';

const RECOUNT_SHOW = (showId: string) => sql`
  update setlist_songs s set vote_count = (
    select count(*) from votes v
    where v.setlist_song_id = s.id and v.active
      and not exists (select 1 from vote_discounts d where d.vote_id = v.id and d.show_id = v.show_id)
  )
  where s.show_id = ${showId}`;

export interface ReviewResult {
  showId: string;
  voteIds: string[];
  status: 'discounted' | 'restored';
}

type Transaction = Parameters<Parameters<PrimaryDatabase['transaction']>[0]>[0];

/**
 * One review, in one transaction: the anomaly locked, `change` applied to its discounts (it returns the votes it
 * concerned), the show recounted, the anomaly marked `status`. Undefined when there is no such anomaly.
 */
async function review(
  db: Database,
  anomalyId: string,
  moderatorId: string,
  status: ReviewResult['status'],
  change: (tx: Transaction, anomaly: { vote_ids: string[] }) => Promise<string[]>,
): Promise<ReviewResult | undefined> {
  return db.$primary.transaction(async (tx) => {
    const { rows } = await tx.execute<{ show_id: string; vote_ids: string[] }>(
      sql`select show_id, vote_ids from vote_anomalies where id = ${anomalyId} for update`,
    );
    const anomaly = rows[0];
    if (!anomaly) return undefined;
    const voteIds = await change(tx, anomaly);
    await tx.execute(RECOUNT_SHOW(anomaly.show_id));
    await tx.execute(
      sql`update vote_anomalies set status = ${status}, reviewed_by = ${moderatorId}, reviewed_at = now(), updated_at = now() where id = ${anomalyId}`,
    );
    return { showId: anomaly.show_id, voteIds, status };
  });
}

/** Discounts every vote of the anomaly (idempotent) and recounts the show; undefined when there is no such anomaly. */
export function discountAnomaly(
  db: Database,
  anomalyId: string,
  moderatorId: string,
): Promise<ReviewResult | undefined> {
  return review(db, anomalyId, moderatorId, 'discounted', async (tx, anomaly) => {
    await tx.execute(sql`
      insert into vote_discounts (vote_id, anomaly_id, show_id, discounted_by)
      select unnest(vote_ids), id, show_id, ${moderatorId}::uuid from vote_anomalies where id = ${anomalyId}
      on conflict (vote_id) do nothing`);
    return anomaly.vote_ids;
  });
}

/** Counts the anomaly's discounted votes again and recounts the show; undefined when there is no such anomaly. */
export function restoreAnomaly(
  db: Database,
  anomalyId: string,
  moderatorId: string,
): Promise<ReviewResult | undefined> {
  return review(db, anomalyId, moderatorId, 'restored', async (tx) => {
    const restored = await tx.execute<{ vote_id: string }>(
      sql`delete from vote_discounts where anomaly_id = ${anomalyId} returning vote_id`,
    );
    return restored.rows.map((r) => r.vote_id);
  });
}
