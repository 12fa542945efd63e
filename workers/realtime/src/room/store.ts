/**
 * The room's durable state in the Durable Object's SQLite. Every method is synchronous: a run of
 * them with no `await` in between is one atomic, coalesced write, and the output gate holds any
 * message sent afterwards until that write is durable. That is what lets the room acknowledge a vote
 * only once it can no longer be lost.
 */

import type { EventTrace, VoteEvent } from '#shared/schemas/events';
import type { RoomSong } from '#shared/schemas/room';
import type { PlayedEntry, PredictionScore } from '#shared/schemas/scoring';
import type { ShowStatus } from '#shared/schemas/shows';

const SCHEMA = `
create table if not exists meta (key text primary key, value text not null);
create table if not exists catalogue (song_id text primary key, title text not null);
create table if not exists setlist (
  setlist_song_id text primary key,
  song_id text not null unique,
  title text not null,
  votes integer not null default 0,
  added_by text,
  added_seq integer not null default 0,
  changed_seq integer not null default 0
);
create table if not exists votes (
  user_id text not null,
  setlist_song_id text not null,
  vote_id text not null,
  active integer not null,
  primary key (user_id, setlist_song_id)
);
create table if not exists vote_ids (
  vote_id text primary key,
  user_id text not null,
  setlist_song_id text not null,
  result_votes integer not null
);
create table if not exists outbox (seq integer primary key, body text not null);
create table if not exists update_log (seq integer primary key, body text not null);
create table if not exists discounted (vote_id text primary key);
create index if not exists setlist_changed_idx on setlist (changed_seq);
create table if not exists played (position integer primary key, song_id text, title text not null);
`;

/**
 * Outbox rows stay until Postgres holds their event (room/reconcile.ts), not only until the queue took them:
 * `sent_at` (ms) is when the queue last accepted the row (null: not sent, or due to be sent again), `sends` how
 * many times it was. Added to rooms created before these columns existed.
 */
const OUTBOX_COLUMNS = ['sent_at integer', 'sends integer not null default 0'];

export type OutboxRow = { seq: number; body: string };
export type SentOutboxRow = OutboxRow & { sentAt: number; sends: number };
/** A repair event before the room numbers it (each member of the union without its envelope). */
export type RepairEvent = VoteEvent extends infer E
  ? E extends VoteEvent
    ? Omit<E, 'seq' | 'v' | 'eventId' | 'at'>
    : never
  : never;

export interface ShowMeta {
  showId: string;
  artistId: string;
  status: ShowStatus;
  locked: boolean;
  votingOpensAt: number;
  votingClosesAt: number;
  /** Last event sequence handed to the outbox. */
  eventSeq: number;
  /** Last update message sequence broadcast. */
  updateSeq: number;
  /** Event sequence covered by the last broadcast update. */
  flushedEventSeq: number;
}

export interface LoadedShow {
  meta: Omit<ShowMeta, 'updateSeq' | 'flushedEventSeq'>;
  catalogue: { songId: string; title: string }[];
  setlist: (RoomSong & { addedBy: string | null })[];
  votes: { userId: string; setlistSongId: string; voteId: string }[];
  /**
   * Ids of retracted votes: Postgres keeps their rows (and their ids within the show), so the room must keep
   * refusing them for another vote, or it would ack a vote whose id Postgres already holds.
   */
  retiredVoteIds?: { userId: string; setlistSongId: string; voteId: string }[];
  /** The actual setlist so far and the revision of actual_setlists it came from. */
  played: PlayedEntry[];
  playedRevision: number;
  /** The prediction's score, when the show was already scored. */
  result?: PredictionScore;
  /** Vote ids a moderator discounted (vote_discounts): kept as votes, not counted. */
  discounted?: string[];
}

type Row = Record<string, SqlStorageValue>;

/** A fan's vote, or its retraction, as the room records it. */
interface VoteInput {
  showId: string;
  userId: string;
  setlistSongId: string;
  songId: string;
  voteId: string;
  trace?: EventTrace;
}

/** What a vote event and an unvote event carry alike: a new event id, the room's sequence, the vote. */
function voteEventFields(input: VoteInput, seq: number) {
  return {
    v: 1 as const,
    eventId: crypto.randomUUID(),
    showId: input.showId,
    seq,
    at: new Date().toISOString(),
    voteId: input.voteId,
    userId: input.userId,
    setlistSongId: input.setlistSongId,
    songId: input.songId,
    ...input.trace,
  };
}

export class RoomStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly storage: DurableObjectStorage,
  ) {
    sql.exec(SCHEMA);
    const columns = new Set(
      sql
        .exec<{ name: string }>('pragma table_info(outbox)')
        .toArray()
        .map((r) => r.name),
    );
    for (const column of OUTBOX_COLUMNS)
      if (!columns.has(column.split(' ')[0]!)) sql.exec(`alter table outbox add column ${column}`);
    // Sent rows stay until Postgres is seen to hold them, so at 1,000 votes/s thousands sit ahead of the unsent
    // ones: without this index every drain batch scanned past them.
    sql.exec('create index if not exists outbox_unsent_idx on outbox (seq) where sent_at is null');
  }

  // ---- outbox counts ----
  /**
   * Unsent and sent-but-unconfirmed rows, counted once per instance and then kept in step with every write:
   * the alarm asks for both on every tick, and a `count(*)` over a busy room's outbox was a table scan each
   * time (bench/room/README.md).
   */
  #outboxCounts: { unsent: number; unconfirmed: number } | undefined;

  #counts(): { unsent: number; unconfirmed: number } {
    this.#outboxCounts ??= this.sql
      .exec<{ unsent: number; unconfirmed: number }>(
        `select coalesce(sum(sent_at is null), 0) as unsent, coalesce(sum(sent_at is not null), 0) as unconfirmed
         from outbox`,
      )
      .one();
    return this.#outboxCounts;
  }

  // ---- meta ----
  /**
   * The meta rows, read from SQLite once per instance and kept in step on every write: they are read
   * several times per vote, and a SELECT of all rows each time showed up in the room benchmark.
   */
  #meta: Map<string, string> | undefined;
  /** `meta()` as an object, rebuilt after a write: a vote reads it several times. */
  #metaView: ShowMeta | undefined;

  /** `eventSeq` moved on since it was last written to the meta table (nextEventSeq). */
  #eventSeqUnsaved = false;

  private metaRows(): Map<string, string> {
    if (this.#meta) return this.#meta;
    this.#meta = new Map(
      this.sql
        .exec<{ key: string; value: string }>('select key, value from meta')
        .toArray()
        .map((r) => [r.key, r.value]),
    );
    const saved = this.#meta.get('eventSeq');
    if (saved !== undefined) {
      // eventSeq is written lazily, so the stored value may be behind the last event. Every event leaves its seq
      // in the outbox or in setlist.changed_seq in the same write, and rows leave the outbox only after eventSeq
      // was saved (confirm), so the highest of the three is the last seq used: none is ever handed out twice.
      const { n } = this.sql
        .exec<{ n: number | null }>(
          'select max(n) as n from (select max(seq) as n from outbox union all select max(changed_seq) from setlist)',
        )
        .one();
      this.#meta.set('eventSeq', String(Math.max(Number(saved), n ?? 0)));
    }
    return this.#meta;
  }
  private setMeta(key: string, value: string | number | boolean): void {
    this.sql.exec(
      'insert into meta (key, value) values (?, ?) on conflict (key) do update set value = excluded.value',
      key,
      String(value),
    );
    this.metaRows().set(key, String(value));
    this.#metaView = undefined;
  }

  isLoaded(): boolean {
    return this.metaRows().has('showId');
  }

  meta(): ShowMeta {
    return (this.#metaView ??= this.#readMeta());
  }

  #readMeta(): ShowMeta {
    const m = Object.fromEntries(this.metaRows());
    return {
      showId: m.showId!,
      artistId: m.artistId!,
      status: m.status as ShowStatus,
      locked: m.locked === 'true',
      votingOpensAt: Number(m.votingOpensAt),
      votingClosesAt: Number(m.votingClosesAt),
      eventSeq: Number(m.eventSeq ?? 0),
      updateSeq: Number(m.updateSeq ?? 0),
      flushedEventSeq: Number(m.flushedEventSeq ?? 0),
    };
  }

  /** Replaces the room with a show loaded from Postgres (first use, or storage lost in a new deployment). */
  load(show: LoadedShow): void {
    this.storage.transactionSync(() => {
      for (const table of [
        'meta',
        'catalogue',
        'setlist',
        'votes',
        'vote_ids',
        'outbox',
        'update_log',
        'played',
        'discounted',
      ])
        this.sql.exec(`delete from ${table}`);
      this.#meta = new Map();
      this.#metaView = undefined;
      this.#outboxCounts = undefined;
      this.#eventSeqUnsaved = false;
      const m = show.meta;
      for (const [key, value] of Object.entries({ ...m, updateSeq: 0, flushedEventSeq: m.eventSeq }))
        this.setMeta(key, value);
      this.replacePlayed(show.played, show.playedRevision);
      if (show.result) this.setResult(show.result);
      for (const song of show.catalogue)
        this.sql.exec('insert into catalogue (song_id, title) values (?, ?)', song.songId, song.title);
      for (const s of show.setlist) {
        this.sql.exec(
          'insert into setlist (setlist_song_id, song_id, title, votes, added_by) values (?, ?, ?, ?, ?)',
          s.setlistSongId,
          s.songId,
          s.title,
          s.votes,
          s.addedBy,
        );
      }
      for (const v of show.votes) {
        this.sql.exec(
          'insert into votes (user_id, setlist_song_id, vote_id, active) values (?, ?, ?, 1)',
          v.userId,
          v.setlistSongId,
          v.voteId,
        );
        this.sql.exec(
          'insert or ignore into vote_ids (vote_id, user_id, setlist_song_id, result_votes) values (?, ?, ?, 0)',
          v.voteId,
          v.userId,
          v.setlistSongId,
        );
      }
      for (const v of show.retiredVoteIds ?? [])
        this.sql.exec(
          'insert or ignore into vote_ids (vote_id, user_id, setlist_song_id, result_votes) values (?, ?, ?, 0)',
          v.voteId,
          v.userId,
          v.setlistSongId,
        );
      for (const voteId of show.discounted ?? [])
        this.sql.exec('insert or ignore into discounted (vote_id) values (?)', voteId);
    });
  }

  setLocked(locked: boolean): void {
    this.setMeta('locked', locked);
  }
  /** The show's voting window changed in Postgres (an edit of the show). */
  setVotingWindow(opensAt: number, closesAt: number): void {
    this.setMeta('votingOpensAt', opensAt);
    this.setMeta('votingClosesAt', closesAt);
  }
  /** A durability counter (room/reconcile.ts): kept in meta, so it survives eviction. */
  counter(name: string): number {
    return Number(this.metaRows().get(name) ?? 0);
  }
  addToCounter(name: string, n: number): void {
    if (n) this.setMeta(name, this.counter(name) + n);
  }
  setStatus(status: ShowStatus): void {
    this.setMeta('status', status);
  }

  // ---- the actual setlist ----
  played(): PlayedEntry[] {
    return this.sql
      .exec<{ position: number; song_id: string | null; title: string }>(
        'select position, song_id, title from played order by position',
      )
      .toArray()
      .map((r) => ({ position: r.position, songId: r.song_id, title: r.title }));
  }
  playedRevision(): number {
    return Number(this.metaRows().get('playedRevision') ?? 0);
  }
  replacePlayed(songs: readonly PlayedEntry[], revision: number): void {
    this.sql.exec('delete from played');
    for (const s of songs)
      this.sql.exec('insert into played (position, song_id, title) values (?, ?, ?)', s.position, s.songId, s.title);
    this.setMeta('playedRevision', revision);
  }
  result(): PredictionScore | undefined {
    const stored = this.metaRows().get('result');
    return stored ? (JSON.parse(stored) as PredictionScore) : undefined;
  }
  setResult(result: PredictionScore): void {
    this.setMeta('result', JSON.stringify(result));
  }

  // ---- catalogue and setlist ----
  catalogueSong(songId: string): { songId: string; title: string } | undefined {
    const row = this.sql
      .exec<{ song_id: string; title: string }>('select song_id, title from catalogue where song_id = ?', songId)
      .toArray()[0];
    return row ? { songId: row.song_id, title: row.title } : undefined;
  }
  addCatalogueSong(songId: string, title: string): void {
    this.sql.exec('insert or ignore into catalogue (song_id, title) values (?, ?)', songId, title);
  }

  setlist(): RoomSong[] {
    return this.sql
      .exec<{ setlist_song_id: string; song_id: string; title: string; votes: number }>(
        'select setlist_song_id, song_id, title, votes from setlist order by votes desc, title asc',
      )
      .toArray()
      .map(toRoomSong);
  }

  setlistSong(setlistSongId: string): RoomSong | undefined {
    return this.setlistSongWhere('setlist_song_id', setlistSongId);
  }

  setlistSongBySong(songId: string): RoomSong | undefined {
    return this.setlistSongWhere('song_id', songId);
  }

  private setlistSongWhere(column: 'setlist_song_id' | 'song_id', value: string): RoomSong | undefined {
    const row = this.sql
      .exec<{ setlist_song_id: string; song_id: string; title: string; votes: number }>(
        `select setlist_song_id, song_id, title, votes from setlist where ${column} = ?`,
        value,
      )
      .toArray()[0];
    return row ? toRoomSong(row) : undefined;
  }

  // ---- votes ----
  myVotes(userId: string): string[] {
    return this.sql
      .exec<{ setlist_song_id: string }>('select setlist_song_id from votes where user_id = ? and active = 1', userId)
      .toArray()
      .map((r) => r.setlist_song_id);
  }

  /**
   * Everything deciding a vote reads, in one statement instead of three (the vote id, the
   * song, the fan's active vote): each `exec` has a fixed cost, and the first one of an event also opens its transaction.
   * bench:room --profile showed those three lookups taking a third of the room's SQL time at 1,000 votes/s.
   */
  voteContext(
    voteId: string,
    userId: string,
    setlistSongId: string,
  ): {
    prior: { userId: string; setlistSongId: string; resultVotes: number } | undefined;
    song: RoomSong | undefined;
    activeVoteId: string | undefined;
  } {
    const row = this.sql
      .exec<{
        prior_user_id: string | null;
        prior_setlist_song_id: string | null;
        prior_result_votes: number | null;
        setlist_song_id: string | null;
        song_id: string | null;
        title: string | null;
        votes: number | null;
        active_vote_id: string | null;
      }>(
        `select p.user_id as prior_user_id, p.setlist_song_id as prior_setlist_song_id, p.result_votes as prior_result_votes,
                s.setlist_song_id, s.song_id, s.title, s.votes, v.vote_id as active_vote_id
         from (select 1)
         left join vote_ids p on p.vote_id = ?1
         left join setlist s on s.setlist_song_id = ?2
         left join votes v on v.user_id = ?3 and v.setlist_song_id = ?2 and v.active = 1`,
        voteId,
        setlistSongId,
        userId,
      )
      .one();
    return {
      prior:
        row.prior_user_id !== null
          ? {
              userId: row.prior_user_id,
              setlistSongId: row.prior_setlist_song_id!,
              resultVotes: row.prior_result_votes!,
            }
          : undefined,
      song: row.setlist_song_id !== null ? toRoomSong(row as Row) : undefined,
      activeVoteId: row.active_vote_id ?? undefined,
    };
  }

  activeVote(userId: string, setlistSongId: string): string | undefined {
    const row = this.sql
      .exec<{ vote_id: string }>(
        'select vote_id from votes where user_id = ? and setlist_song_id = ? and active = 1',
        userId,
        setlistSongId,
      )
      .toArray()[0];
    return row?.vote_id;
  }

  // ---- changes: each records the new state, an outbox event and the change marker in one write ----
  /**
   * The next event seq. Kept in memory and written with the next broadcast or confirmation (#saveEventSeq): an
   * upsert of the meta row on every vote was a sixth of the room's thread in a profile of 1,000 votes/s, and the
   * seq is recoverable from the rows each event writes anyway (metaRows).
   */
  private nextEventSeq(): number {
    const seq = this.meta().eventSeq + 1;
    this.metaRows().set('eventSeq', String(seq));
    this.#metaView = undefined;
    this.#eventSeqUnsaved = true;
    return seq;
  }

  #saveEventSeq(): void {
    if (!this.#eventSeqUnsaved) return;
    this.setMeta('eventSeq', this.meta().eventSeq);
    this.#eventSeqUnsaved = false;
  }

  private enqueue(event: VoteEvent): void {
    this.sql.exec('insert into outbox (seq, body) values (?, ?)', event.seq, JSON.stringify(event));
    if (this.#outboxCounts) this.#outboxCounts.unsent++;
  }

  private bumpVotes(setlistSongId: string, delta: number, seq: number): number {
    const row = this.sql
      .exec<{ votes: number }>(
        'update setlist set votes = votes + ?, changed_seq = ? where setlist_song_id = ? returning votes',
        delta,
        seq,
        setlistSongId,
      )
      .toArray()[0];
    return row!.votes;
  }

  castVote(input: VoteInput & { networkId?: string }): number {
    const seq = this.nextEventSeq();
    const votes = this.bumpVotes(input.setlistSongId, 1, seq);
    this.sql.exec(
      `insert into votes (user_id, setlist_song_id, vote_id, active) values (?, ?, ?, 1)
       on conflict (user_id, setlist_song_id) do update set vote_id = excluded.vote_id, active = 1`,
      input.userId,
      input.setlistSongId,
      input.voteId,
    );
    this.sql.exec(
      'insert into vote_ids (vote_id, user_id, setlist_song_id, result_votes) values (?, ?, ?, ?)',
      input.voteId,
      input.userId,
      input.setlistSongId,
      votes,
    );
    this.enqueue({
      ...voteEventFields(input, seq),
      kind: 'vote',
      ...(input.networkId ? { networkId: input.networkId } : {}),
    });
    return votes;
  }

  retractVote(input: VoteInput): number {
    const seq = this.nextEventSeq();
    // A discounted vote was already taken out of the count: taking it back changes no tally.
    const votes = this.bumpVotes(input.setlistSongId, this.isDiscounted(input.voteId) ? 0 : -1, seq);
    this.sql.exec(
      'update votes set active = 0 where user_id = ? and setlist_song_id = ?',
      input.userId,
      input.setlistSongId,
    );
    this.enqueue({ ...voteEventFields(input, seq), kind: 'unvote' });
    return votes;
  }

  /**
   * An erased account (workers/api/src/privacy/erase.ts): drop the link from the songs the user added, as Postgres
   * does. The votes keep the user's opaque id, like Postgres' votes keep the anonymous tombstone's: it is what
   * keeps one vote per song and lets the room and Postgres be compared vote by vote.
   */
  forgetUser(userId: string): void {
    this.sql.exec('update setlist set added_by = null where added_by = ?', userId);
  }

  addSong(input: { showId: string; userId: string; songId: string; title: string; trace?: EventTrace }): RoomSong {
    const seq = this.nextEventSeq();
    const setlistSongId = crypto.randomUUID();
    this.sql.exec(
      'insert into setlist (setlist_song_id, song_id, title, votes, added_by, added_seq, changed_seq) values (?, ?, ?, 0, ?, ?, ?)',
      setlistSongId,
      input.songId,
      input.title,
      input.userId,
      seq,
      seq,
    );
    this.enqueue({
      v: 1,
      kind: 'song_added',
      eventId: crypto.randomUUID(),
      showId: input.showId,
      seq,
      at: new Date().toISOString(),
      setlistSongId,
      songId: input.songId,
      userId: input.userId,
      ...input.trace,
    });
    return { setlistSongId, songId: input.songId, title: input.title, votes: 0 };
  }

  // ---- discounted votes (anomalies a moderator discounted) ----
  private isDiscounted(voteId: string): boolean {
    return this.sql.exec('select 1 from discounted where vote_id = ?', voteId).toArray().length > 0;
  }

  /**
   * Marks votes discounted (or counted again) and recounts every song from the vote rows. The changed songs get
   * a new event sequence as their change marker, so the next broadcast carries their tallies; no outbox event
   * is written (Postgres already holds the discount), and the consumer tolerates the gap in sequences.
   */
  setDiscounted(voteIds: string[], discounted: boolean): { setlistSongId: string; votes: number }[] {
    for (const voteId of voteIds) {
      if (discounted) this.sql.exec('insert or ignore into discounted (vote_id) values (?)', voteId);
      else this.sql.exec('delete from discounted where vote_id = ?', voteId);
    }
    const counts = this.sql
      .exec<{ setlist_song_id: string; votes: number; counted: number }>(
        `select s.setlist_song_id, s.votes,
                (select count(*) from votes v where v.setlist_song_id = s.setlist_song_id and v.active = 1
                   and v.vote_id not in (select vote_id from discounted)) as counted
         from setlist s`,
      )
      .toArray()
      .filter((r) => r.votes !== r.counted);
    if (!counts.length) return [];
    const seq = this.nextEventSeq();
    for (const r of counts)
      this.sql.exec(
        'update setlist set votes = ?, changed_seq = ? where setlist_song_id = ?',
        r.counted,
        seq,
        r.setlist_song_id,
      );
    return counts.map((r) => ({ setlistSongId: r.setlist_song_id, votes: r.counted }));
  }

  // ---- broadcast bookkeeping ----
  /** Whether some change was recorded since the last broadcast. */
  hasChanges(): boolean {
    const m = this.meta();
    return m.eventSeq !== m.flushedEventSeq;
  }

  /** Songs changed or added since the last broadcast, and marks them broadcast under a new update seq. */
  takeChanges(): { seq: number; changes: { setlistSongId: string; votes: number }[]; added: RoomSong[] } | undefined {
    const m = this.meta();
    if (m.eventSeq === m.flushedEventSeq) return undefined;
    const rows = this.sql
      .exec<{ setlist_song_id: string; song_id: string; title: string; votes: number; added_seq: number }>(
        'select setlist_song_id, song_id, title, votes, added_seq from setlist where changed_seq > ?',
        m.flushedEventSeq,
      )
      .toArray();
    const seq = m.updateSeq + 1;
    this.#saveEventSeq();
    this.setMeta('updateSeq', seq);
    this.setMeta('flushedEventSeq', m.eventSeq);
    return {
      seq,
      changes: rows
        .filter((r) => r.added_seq <= m.flushedEventSeq)
        .map((r) => ({ setlistSongId: r.setlist_song_id, votes: r.votes })),
      added: rows.filter((r) => r.added_seq > m.flushedEventSeq).map(toRoomSong),
    };
  }

  nextUpdateSeq(): number {
    const seq = this.meta().updateSeq + 1;
    this.setMeta('updateSeq', seq);
    return seq;
  }

  logUpdate(seq: number, body: string, keep: number): void {
    this.sql.exec('insert into update_log (seq, body) values (?, ?)', seq, body);
    this.sql.exec('delete from update_log where seq <= ?', seq - keep);
  }

  /** Updates after `since`, or undefined when some of them are no longer kept. */
  updatesSince(since: number): string[] | undefined {
    const current = this.meta().updateSeq;
    if (since > current) return undefined;
    if (since === current) return [];
    const rows = this.sql
      .exec<{ seq: number; body: string }>('select seq, body from update_log where seq > ? order by seq', since)
      .toArray();
    if (rows.length !== current - since) return undefined;
    return rows.map((r) => r.body);
  }

  /** The last `limit` logged messages, oldest first (a fan-out shard's start). */
  recentUpdates(limit: number): { seq: number; body: string }[] {
    return this.sql
      .exec<{ seq: number; body: string }>('select seq, body from update_log order by seq desc limit ?', limit)
      .toArray()
      .reverse();
  }

  // ---- outbox ----
  /** Rows the queue has not taken yet (or that are due to be sent again), oldest first. */
  outboxBatch(limit: number): OutboxRow[] {
    const rows = this.sql
      .exec<OutboxRow>('select seq, body from outbox where sent_at is null order by seq limit ?', limit)
      .toArray();
    // A short batch is every unsent row: the count is exact again even if a write bypassed the store.
    if (rows.length < limit && this.#outboxCounts) this.#outboxCounts.unsent = rows.length;
    return rows;
  }
  /** Rows waiting to be sent. */
  outboxSize(): number {
    return this.#counts().unsent;
  }
  /** Rows the queue took that Postgres has not been seen to hold yet. */
  unconfirmedCount(): number {
    return this.#counts().unconfirmed;
  }
  /** The queue accepted these rows: they stay until Postgres is seen to hold them. */
  markSent(seqs: readonly number[], at: number): void {
    if (seqs.length === 0) return;
    // One statement per batch, not per row: the per-statement cost is what a busy room pays per vote.
    const n = this.sql
      .exec(
        `update outbox set sent_at = ?, sends = sends + 1
         where seq in (select value from json_each(?)) and sent_at is null returning seq`,
        at,
        JSON.stringify(seqs),
      )
      .toArray().length;
    const counts = this.#counts();
    counts.unsent -= n;
    counts.unconfirmed += n;
  }
  /** Sent rows after `afterSeq`, oldest first: what a reconciliation checks against Postgres. */
  sentBatch(afterSeq: number, limit: number): SentOutboxRow[] {
    return this.sql
      .exec<{ seq: number; body: string; sent_at: number; sends: number }>(
        'select seq, body, sent_at, sends from outbox where sent_at is not null and seq > ? order by seq limit ?',
        afterSeq,
        limit,
      )
      .toArray()
      .map((r) => ({ seq: r.seq, body: r.body, sentAt: r.sent_at, sends: r.sends }));
  }
  /** Postgres holds these events: they leave the room. */
  confirm(seqs: readonly number[]): void {
    if (seqs.length === 0) return;
    // Before the rows that carry the latest seqs can leave (see metaRows).
    this.#saveEventSeq();
    const removed = this.sql
      .exec<{ sent_at: number | null }>(
        'delete from outbox where seq in (select value from json_each(?)) returning sent_at',
        JSON.stringify(seqs),
      )
      .toArray();
    const counts = this.#counts();
    for (const row of removed) {
      if (row.sent_at === null) counts.unsent--;
      else counts.unconfirmed--;
    }
  }
  /** These sent events never reached Postgres: the next drain sends them again. */
  resend(seqs: readonly number[]): void {
    if (seqs.length === 0) return;
    const n = this.sql
      .exec(
        `update outbox set sent_at = null
         where seq in (select value from json_each(?)) and sent_at is not null returning seq`,
        JSON.stringify(seqs),
      )
      .toArray().length;
    const counts = this.#counts();
    counts.unconfirmed -= n;
    counts.unsent += n;
  }

  // ---- repairs (room/reconcile.ts) ----
  /** Every vote row of the room, active or not, to compare with Postgres. */
  allVotes(): { userId: string; setlistSongId: string; voteId: string; active: boolean }[] {
    return this.sql
      .exec<{ user_id: string; setlist_song_id: string; vote_id: string; active: number }>(
        'select user_id, setlist_song_id, vote_id, active from votes',
      )
      .toArray()
      .map((r) => ({ userId: r.user_id, setlistSongId: r.setlist_song_id, voteId: r.vote_id, active: r.active === 1 }));
  }
  /** The setlist with its adders, to compare with Postgres. */
  setlistEntries(): { setlistSongId: string; songId: string; votes: number; addedBy: string | null }[] {
    return this.sql
      .exec<{ setlist_song_id: string; song_id: string; votes: number; added_by: string | null }>(
        'select setlist_song_id, song_id, votes, added_by from setlist',
      )
      .toArray()
      .map((r) => ({ setlistSongId: r.setlist_song_id, songId: r.song_id, votes: r.votes, addedBy: r.added_by }));
  }
  /**
   * Writes the event that brings Postgres back to what the room holds (a vote, a retraction or a setlist entry
   * Postgres lacks), under a new sequence so that it wins over whatever Postgres has. Changes no tally.
   */
  enqueueRepair(event: RepairEvent): void {
    const seq = this.nextEventSeq();
    this.enqueue({ ...event, v: 1, eventId: crypto.randomUUID(), seq, at: new Date().toISOString() } as VoteEvent);
    // Not a change fans see: the broadcast bookkeeping moves past it.
    if (this.meta().flushedEventSeq === seq - 1) this.setMeta('flushedEventSeq', seq);
  }
}

function toRoomSong(row: Row): RoomSong {
  return {
    setlistSongId: String(row.setlist_song_id),
    songId: String(row.song_id),
    title: String(row.title),
    votes: Number(row.votes),
  };
}
