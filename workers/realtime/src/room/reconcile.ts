/**
 * The room's end of the durability guarantee: an acknowledged event stays in the room until Postgres is seen to
 * hold it, whatever happened between (a queue that lost in-flight messages when its process died, a dead-letter
 * queue that gave up, a consumer that dropped a batch). Two checks, both reads over HTTP SQL:
 *
 * - `confirmSent`: the outbox rows the queue accepted are looked up in Postgres, a batch of ids per query. A row
 *   Postgres holds (or has since overtaken: a vote row carries the room sequence of its last event) leaves the
 *   outbox; a row still missing long after it was sent is sent again (resends back off; each is counted).
 * - `reconcileCounts`: once nothing is in flight, each song's count in Postgres is compared with the room's; when
 *   they differ, the vote rows are compared and the room writes the events that bring Postgres back to what it
 *   holds (the room decides every vote; Postgres records them). Each repair is counted and logged.
 */
import type { NeonQueryFunction } from '@neondatabase/serverless';
import type { Logger } from '#shared/log';
import { REPAIR_TRACE_ID, type VoteEvent } from '#shared/schemas/events';
import type { RoomStore } from './store';

type Sql = NeonQueryFunction<false, false>;

/** Counter names in the room's meta (they survive eviction). */
export const COUNTERS = {
  confirmed: 'durability.confirmed',
  resent: 'durability.resent',
  repaired: 'durability.repaired',
} as const;

export interface ReconcileConfig {
  /** Outbox rows looked up per query. */
  batchSize: number;
  /** Queries per pass, so that one pass cannot run for long. */
  maxBatches: number;
  /** A sent row missing from Postgres this long after it was sent is sent again (doubling with each resend). */
  resendAfterMs: number;
  /**
   * false: no doubling per resend. A finalisation waiting for the room (settleVotes) must not wait out the long
   * backoff earlier resends left behind once Postgres is back; its window is bounded anyway.
   */
  resendBackoff?: boolean;
}

/** The events of these rows that Postgres holds: one read, whatever the batch size. */
const CONFIRMED = `
select e.seq::int as seq
from unnest($1::bigint[], $2::text[], $3::uuid[], $4::uuid[]) as e(seq, kind, user_id, setlist_song_id)
where case when e.kind = 'song_added'
  then exists (select 1 from setlist_songs s where s.id = e.setlist_song_id)
  else exists (select 1 from votes v where v.user_id = e.user_id and v.setlist_song_id = e.setlist_song_id
                 and v.room_seq >= e.seq)
end`;

export interface ConfirmResult {
  checked: number;
  confirmed: number;
  resent: number;
}

/** Checks the sent outbox rows against Postgres: confirmed ones leave, long-missing ones go again. */
export async function confirmSent(
  sql: Sql,
  store: RoomStore,
  config: ReconcileConfig,
  log: Logger,
  now = Date.now(),
): Promise<ConfirmResult> {
  const result: ConfirmResult = { checked: 0, confirmed: 0, resent: 0 };
  let after = Number.MIN_SAFE_INTEGER;
  for (let i = 0; i < config.maxBatches; i++) {
    const rows = store.sentBatch(after, config.batchSize);
    if (!rows.length) break;
    after = rows.at(-1)!.seq;
    const events = rows.map((r) => JSON.parse(r.body) as VoteEvent);
    const found = (await sql.query(CONFIRMED, [
      rows.map((r) => r.seq),
      events.map((e) => e.kind),
      events.map((e) => e.userId ?? '00000000-0000-0000-0000-000000000000'),
      events.map((e) => e.setlistSongId),
    ])) as { seq: number }[];
    const confirmed = new Set(found.map((r) => Number(r.seq)));
    const backoff = config.resendBackoff === false ? 0 : 1;
    const missing = rows.filter(
      (r) =>
        !confirmed.has(r.seq) && now - r.sentAt >= config.resendAfterMs * 2 ** (backoff * Math.min(10, r.sends - 1)),
    );
    // Synchronous from here: one write, and no other event of the room runs in between.
    store.confirm([...confirmed]);
    store.resend(missing.map((r) => r.seq));
    store.addToCounter(COUNTERS.confirmed, confirmed.size);
    store.addToCounter(COUNTERS.resent, missing.length);
    result.checked += rows.length;
    result.confirmed += confirmed.size;
    result.resent += missing.length;
    if (missing.length) {
      const stuck = missing.filter((r) => r.sends >= 5);
      log.warn('acked events missing from postgres; sending them again', {
        count: missing.length,
        seqs: missing.slice(0, 10).map((r) => r.seq),
        stuck: stuck.length,
        resentTotal: store.counter(COUNTERS.resent),
      });
      if (stuck.length)
        log.error('acked events refused by postgres on every attempt', { seqs: stuck.slice(0, 10).map((r) => r.seq) });
    }
  }
  return result;
}

const SONG_COUNTS = `
select ss.id::text as setlist_song_id,
  (select count(*)::int from votes v where v.setlist_song_id = ss.id and v.active
     and not exists (select 1 from vote_discounts d where d.vote_id = v.id and d.show_id = v.show_id)) as votes
from setlist_songs ss where ss.show_id = $1`;

const SHOW_VOTES = `
select user_id::text as user_id, setlist_song_id::text as setlist_song_id, id::text as id, active
from votes where show_id = $1`;

/** Whether nothing of the room is in flight: the only state in which Postgres must equal the room exactly. */
function settled(store: RoomStore, eventSeq: number): boolean {
  return store.meta().eventSeq === eventSeq && store.outboxSize() === 0 && store.unconfirmedCount() === 0;
}

export interface ReconcileOptions {
  /**
   * Compare the vote rows even when every count matches (an operator's recheck after a restore,
   * docs/operations.md "Recovery"): equal counts can hide different votes, e.g. a vote cast and another taken
   * back on the same song after the backup was taken.
   */
  compareRows?: boolean;
}

/**
 * Compares the room's counts with Postgres' once every event is confirmed, and repairs a difference. Returns the
 * number of repair events written, or undefined when the room was not settled (the check waits for next time).
 */
export async function reconcileCounts(
  sql: Sql,
  store: RoomStore,
  log: Logger,
  options: ReconcileOptions = {},
): Promise<number | undefined> {
  const { showId, eventSeq } = store.meta();
  if (!settled(store, eventSeq)) return undefined;
  const pgCounts = (await sql.query(SONG_COUNTS, [showId])) as { setlist_song_id: string; votes: number }[];
  if (!settled(store, eventSeq)) return undefined;
  const room = store.setlistEntries();
  const inPostgres = new Map(pgCounts.map((r) => [r.setlist_song_id, Number(r.votes)]));
  const differs = room.some((s) => inPostgres.get(s.setlistSongId) !== s.votes);
  if (!differs && !options.compareRows) return 0;

  const pgVotes = (await sql.query(SHOW_VOTES, [showId])) as {
    user_id: string;
    setlist_song_id: string;
    id: string;
    active: boolean;
  }[];
  if (!settled(store, eventSeq)) return undefined;
  const songOf = new Map(room.map((s) => [s.setlistSongId, s]));
  const key = (userId: string, setlistSongId: string) => `${userId}:${setlistSongId}`;
  const pgActive = new Map(pgVotes.filter((v) => v.active).map((v) => [key(v.user_id, v.setlist_song_id), v]));
  const roomVotes = store.allVotes();
  const roomActive = new Set(roomVotes.filter((v) => v.active).map((v) => key(v.userId, v.setlistSongId)));
  let repairs = 0;
  const base = { showId, traceId: REPAIR_TRACE_ID } as const;
  for (const s of room) {
    if (inPostgres.has(s.setlistSongId)) continue;
    store.enqueueRepair({
      ...base,
      kind: 'song_added',
      setlistSongId: s.setlistSongId,
      songId: s.songId,
      userId: s.addedBy,
    });
    repairs++;
  }
  for (const v of roomVotes) {
    if (!v.active) continue;
    const there = pgActive.get(key(v.userId, v.setlistSongId));
    if (there && there.id === v.voteId) continue;
    const song = songOf.get(v.setlistSongId);
    if (!song) continue;
    store.enqueueRepair({
      ...base,
      kind: 'vote',
      voteId: v.voteId,
      userId: v.userId,
      setlistSongId: v.setlistSongId,
      songId: song.songId,
    });
    repairs++;
  }
  for (const v of pgActive.values()) {
    if (roomActive.has(key(v.user_id, v.setlist_song_id))) continue;
    const song = songOf.get(v.setlist_song_id);
    if (!song) continue;
    store.enqueueRepair({
      ...base,
      kind: 'unvote',
      voteId: v.id,
      userId: v.user_id,
      setlistSongId: v.setlist_song_id,
      songId: song.songId,
    });
    repairs++;
  }
  if (!repairs && !differs) return 0;
  store.addToCounter(COUNTERS.repaired, repairs);
  log.warn('room and postgres counts differed; repair events written', {
    showId,
    repairs,
    songs: room.filter((s) => inPostgres.get(s.setlistSongId) !== s.votes).length,
    repairedTotal: store.counter(COUNTERS.repaired),
  });
  return repairs;
}
